"""The hypernetwork: size, output layout, the starting PINN, conditioning on the coefficients."""

import pytest
import torch

from sciml.methods.hypino import target_pinn
from sciml.methods.hypino.hypernet import HyPINOHypernet

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return HyPINOHypernet().eval()


def test_size_fits_a_cpu(net):
    assert 1_000_000 < sum(p.numel() for p in net.parameters()) < 3_000_000


def test_output_is_one_weight_vector_per_problem(net):
    grids = torch.randn(3, 5, 64, 64)
    c = torch.randn(3, 5)
    with torch.no_grad():
        flat = net(c, grids)
    assert flat.shape == (3, target_pinn.n_weights())
    # the heads start near one Xavier-initialised PINN: small spread between problems
    spread = (flat - flat.mean(0)).abs().max()
    assert spread < 0.1 * flat.abs().max()
    views = target_pinn.unflatten(flat[:1])
    bound = (6 / (target_pinn.N_FEATURES + target_pinn.WIDTH)) ** 0.5
    assert views["input.weight"].abs().max() < 1.1 * bound
    assert views["output.bias"].abs().max() < 0.1


def test_film_conditions_on_the_coefficients(net):
    grids = torch.randn(1, 5, 64, 64).expand(2, -1, -1, -1)
    c = torch.tensor([[0, 0, 0, -1.0, -1.0], [1.0, 0, 0, 0, 0]])
    for stage in net.stages:  # FiLM starts at the identity; give it weights
        torch.nn.init.normal_(stage.film.weight, std=0.5)
    with torch.no_grad():
        flat = net(c, grids)
    assert (flat[0] - flat[1]).abs().max() > 1e-4
