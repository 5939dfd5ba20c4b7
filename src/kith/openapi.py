"""Write the OpenAPI document (``make openapi``); a test fails when it drifts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kith.app import create_app
from kith.bootstrap import build_container
from kith.core.settings import Settings


def render() -> str:
    app = create_app(build_container(Settings(database_url="sqlite://", mode="test")))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.json")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
