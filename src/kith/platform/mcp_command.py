"""``kith mcp``: Kith's MCP server over stdin/stdout, for an agent that starts it as a
subprocess (Claude Desktop, an IDE, a script). It acts as the API key in
``KITH_API_KEY`` — the same rights, scopes and approvals as that key over HTTP."""

from __future__ import annotations

from kith.clikit import fail, open_container


def mcp() -> None:
    """Serve MCP over stdio as the API key in KITH_API_KEY (exit 2 without a valid key)."""
    import anyio

    from kith.access.service import authenticate
    from kith.core.errors import Unauthenticated
    from kith.platform.mcp import serve_stdio, stdio_credential

    credential = stdio_credential()
    if credential is None:
        fail("set KITH_API_KEY to an API key: kith mcp acts as that key")
    container = open_container()
    with container.uow() as uow:
        try:
            authenticate(uow.session, credential)
        except Unauthenticated as exc:
            fail(f"KITH_API_KEY: {exc.detail}")
    anyio.run(serve_stdio, container, credential)
