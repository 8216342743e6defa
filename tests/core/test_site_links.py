"""The links every page carries (navigation, stylesheet, scripts) are built once per
prefix the app is mounted under, and are right under each."""

from ideaboard.core.templating import _site_links, site_links


def test_links_follow_the_prefix_the_app_is_mounted_under(app):
    with app.test_request_context("/"):
        plain = site_links()
    with app.test_request_context("/", base_url="http://ideaboard.test/board"):
        mounted = site_links()
    assert plain["css"] == "/static/css/app.css" and plain["ideas"] == "/"
    assert mounted["css"] == "/board/static/css/app.css" and mounted["ideas"] == "/board/"
    assert mounted["logout"].startswith("/board/")


def test_many_prefixes_do_not_grow_the_kept_links(app):
    for number in range(20):
        with app.test_request_context("/", base_url=f"http://ideaboard.test/p{number}"):
            assert site_links()["ideas"] == f"/p{number}/"
    assert _site_links.cache(app).cache_info().currsize <= 8
