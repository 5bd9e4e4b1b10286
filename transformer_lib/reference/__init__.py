"""The same Transformer built from PyTorch's own layers, to check the NumPy model against:
``torch_model`` (building the twin, copying weights both ways, reading autograd's gradients) and
``twin_training`` (the two models trained side by side). The only subpackage that imports torch."""
