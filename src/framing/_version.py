"""The package version, in a leaf so that any module (the model card, the HTML report) can
read it without importing the package face."""

__all__ = ["__version__"]

__version__ = "0.1.0"
