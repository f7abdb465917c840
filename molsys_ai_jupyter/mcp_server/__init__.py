"""``molsys-ai mcp``: what the project knows, as tools of the Model Context Protocol.

Any agent that speaks MCP (jupyter-ai, notebook-intelligence, Claude Code, Codex, …) can
search the cited MolSysSuite documentation, look up the real API, check code against it and
against the execution policy, turn a task into a checked plan and code (never run), and
inspect the structure files of the folders the server was started with.

One concern per module: :mod:`.paths` (which files a client may read), :mod:`.models` (the
typed inputs and outputs), :mod:`.tools` (the tools, loading heavy parts on first use),
:mod:`.structure` (reading a structure file), :mod:`.pages` (documentation pages by URL),
:mod:`.prompts`, :mod:`.server` (the SDK server) and :mod:`.transports` (stdio, HTTP).
Importing this package imports nothing heavy.
"""
