"""Public catalog pages and catalog API: answered from memory per published catalog version, with ETags."""

import pytest

from yibao.catalog import selectors
from yibao.catalog.files import city_path
from yibao.catalog.services import load_catalog

pytestmark = pytest.mark.django_db

PATHS = ["/guides/taiyuan/", "/guides/taiyuan/?q=异地", "/api/items?city=taiyuan", "/api/items/taiyuan"]


@pytest.mark.parametrize("path", PATHS)
def test_an_unchanged_catalog_answers_304_to_the_etag_it_gave(client, catalog, path):
    first = client.get(path)
    again = client.get(path)
    conditional = client.get(path, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == again.status_code == 200 and first["ETag"] == again["ETag"]
    assert again.content == first.content and "no-cache" in first["Cache-Control"]
    assert conditional.status_code == 304 and conditional.content == b""
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_page_and_its_htmx_fragment_and_other_queries_are_kept_apart(client, catalog):
    page = client.get("/guides/taiyuan/")
    fragment = client.get("/guides/taiyuan/", headers={"HX-Request": "true"})
    search = client.get("/guides/taiyuan/?q=生育")

    assert len({page["ETag"], fragment["ETag"], search["ETag"]}) == 3
    assert b"<html" in page.content and b"<html" not in fragment.content


def test_a_new_catalog_version_is_served_the_moment_it_is_published(client, catalog, tmp_path):
    version = selectors.current_version("taiyuan")
    item = selectors.items_of(version).first()
    page = client.get("/guides/taiyuan/")
    api = client.get("/api/items/taiyuan/" + item.key)
    assert item.name in page.content.decode()

    renamed = f"{item.name}（新版）"
    changed = tmp_path / "taiyuan.yaml"
    changed.write_text(city_path("taiyuan").read_text(encoding="utf-8").replace(
        f"name: {item.name}\n", f"name: {renamed}\n", 1), encoding="utf-8")
    load_catalog(city="taiyuan", actor="test", path=changed)

    after = client.get("/guides/taiyuan/", headers={"If-None-Match": page["ETag"]})
    after_api = client.get("/api/items/taiyuan/" + item.key, headers={"If-None-Match": api["ETag"]})
    assert after.status_code == 200 and renamed in after.content.decode()
    assert after_api.status_code == 200 and after_api.json()["name"] == renamed
    assert after["ETag"] != page["ETag"]


def test_an_unknown_city_is_still_404_and_not_cached(client, catalog):
    assert client.get("/guides/atlantis/").status_code == 404
    assert client.get("/api/items?city=atlantis").status_code in (404, 422)
    assert not client.get("/guides/atlantis/").has_header("ETag")


def test_a_logged_in_page_is_never_served_from_the_shared_cache(client, django_user_model):
    anonymous = client.get("/guides/taiyuan/")
    assert anonymous.status_code == 200 and anonymous.has_header("ETag")
    client.force_login(django_user_model.objects.create_user(username="ty-someone", password="x" * 12))
    personal = client.get("/guides/taiyuan/")
    # Personal (name, CSRF token, staff banners): rendered for this user, not stored or tagged.
    assert personal.status_code == 200 and not personal.has_header("ETag")
    assert personal.content != anonymous.content
