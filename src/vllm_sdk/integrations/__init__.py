"""Adapters for distributed engines (Ray Data, ...): each imports its engine lazily, and the core never
imports them. ``vllm_sdk.integrations.ray`` needs the ``ray`` extra (``pip install "vllm-python-sdk[ray]"``).
"""
