"""The package version (single source: read by setuptools and by ``vllm_sdk.__version__``)."""

__version__ = "0.1.0"
