"""``python -m vllm_sdk.cli``: the ``vllm-sdk`` command."""

import sys

from ._main import main

sys.exit(main())
