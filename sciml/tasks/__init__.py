"""Task kinds (field, operator, dynamics, regression): data, evaluation, figures, tables."""
