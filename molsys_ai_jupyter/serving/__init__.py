"""What both servers share: the Jupyter server extension behind the sidebar
(``serverext``) and the chat API of the GPU node (``chat_api``), and what their client
(``remote``) reads.

- ``worker``: the one thread the model runs in (one request at a time);
- ``relay``: from that thread to the event loop, piece by piece, with ``Cancelled``;
- ``errors``: ``classify(exc)`` → ``(kind, status)``, and the ``{"message", "hint", "kind"}`` body;
- ``payload``: an answer as JSON (``answer_payload``) and which model answers (``describe_model``);
- ``sse``: Server-Sent Events, written and read.

``sse`` uses only the standard library, so the client imports it in Pyodide; nothing
here imports a web framework.
"""
