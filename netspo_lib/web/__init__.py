"""The workbench's server side: sign-in pages and the identity provider that Voila asks
who is behind each request (every page, kernel and websocket)."""
