"""Command line of the code generator: ``python -m codegen {vendor,generate,check}``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .config import load_config

if TYPE_CHECKING:
    from collections.abc import Sequence


def _cmd_vendor(args: argparse.Namespace) -> int:
    from .vendor import vendor, vendor_command

    config = load_config()
    root = config.root
    command = vendor_command(args.source, args.responses, args.pooling, args.vllm_version, root)
    out_dir = Path(args.out_dir) if args.out_dir else config.schema.parent
    schema, source = vendor(
        args.source, args.responses, args.pooling, out_dir, command, args.vllm_version, root
    )
    print(f"wrote {schema} and {source}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate_all

    config = load_config()
    schema = Path(args.schema) if args.schema else config.schema
    written = generate_all(config, schema=schema, out_root=Path(args.out_root) if args.out_root else None)
    for path in written:
        print(f"wrote {path}")
    return 0


def _cmd_dump_responses(args: argparse.Namespace) -> int:
    import json

    from .responses import dump_responses

    try:
        document = dump_responses(args.package, args.model or None)
    except LookupError as exc:
        print(f"python -m codegen dump-responses: error: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(document['models'])} models, vLLM {document['vllm_version']})")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .check import check

    return check(load_config())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_vendor = sub.add_parser("vendor", help="vendor a vLLM /openapi.json into schema/openapi.yaml")
    p_vendor.add_argument("--from", dest="source", required=True, help="URL of /openapi.json, or a file")
    p_vendor.add_argument("--responses", help="JSON dump of vLLM's response models (how/models/vllm_version)")
    p_vendor.add_argument(
        "--pooling",
        action="extend",
        nargs="+",
        default=[],
        metavar="FILE_OR_URL",
        help="/openapi.json of the same server serving a pooling model (one or more; repeatable)",
    )
    p_vendor.add_argument("--vllm-version", help="override the vLLM version recorded in the schema")
    p_vendor.add_argument("--out-dir", help="directory for openapi.yaml and SOURCE.md (default: schema/)")
    p_vendor.set_defaults(func=_cmd_vendor)

    p_gen = sub.add_parser("generate", help="generate models and endpoints from the schema")
    p_gen.add_argument("--schema", help="schema file (default: from pyproject)")
    p_gen.add_argument(
        "--out-root", help="write the generated files under this directory instead of the repository"
    )
    p_gen.set_defaults(func=_cmd_generate)

    p_dump = sub.add_parser(
        "dump-responses", help="(inside vLLM's environment) dump vLLM's response models for --responses"
    )
    p_dump.add_argument("--out", required=True, help="output JSON file")
    p_dump.add_argument("--package", default="vllm.entrypoints", help="package searched for the models")
    p_dump.add_argument("--model", action="append", help="model name to dump (default: those routes use)")
    p_dump.set_defaults(func=_cmd_dump_responses)

    p_check = sub.add_parser("check", help="fail if a committed generated file is stale")
    p_check.set_defaults(func=_cmd_check)

    args = parser.parse_args(argv)
    from .endpoints import EndpointsError
    from .generate import GenerateError
    from .vendor import VendorError

    try:
        result: int = args.func(args)
    except (VendorError, GenerateError, EndpointsError) as exc:
        print(f"python -m codegen {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
