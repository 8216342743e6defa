"""The REST API v1 (``/api/v1/``, in ``v1/``) and the bearer tokens it is called with:
personal access tokens a person makes on their account page, service tokens an admin
makes (``models``, ``services``, the pages in ``routes``)."""
