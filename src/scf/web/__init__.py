"""Server-rendered pages for every role (Jinja2 + htmx), with vendored assets."""
