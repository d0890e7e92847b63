"""The platform is safe to expose as the README starts it (issue 9 §4)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client

from yibao.documents.verification import verify_url

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATE_ROOTS = [PROJECT / "yibao"]


def settings_in_subprocess(tmp_path, **env):
    """The settings a fresh process computes from the given environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YIBAO_")}
    clean.update({"YIBAO_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "yibao.settings", **env})
    code = (
        "import json\nfrom django.conf import settings as s\n"
        "print(json.dumps({k: getattr(s, k, None) for k in ['DEBUG', 'SECRET_KEY', 'ALLOWED_HOSTS',"
        " 'YIBAO_PUBLIC_URL', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS',"
        " 'CSRF_TRUSTED_ORIGINS']}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=clean,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_debug_is_off_and_a_private_secret_key_is_generated_on_first_run(tmp_path):
    first = settings_in_subprocess(tmp_path)
    assert first["DEBUG"] is False
    assert len(first["SECRET_KEY"]) >= 50 and "insecure" not in first["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    # Kept: the next start uses the same key (sessions survive a restart).
    assert settings_in_subprocess(tmp_path)["SECRET_KEY"] == first["SECRET_KEY"]
    # Another installation gets another key.
    other = tmp_path / "other"
    other.mkdir()
    assert settings_in_subprocess(other)["SECRET_KEY"] != first["SECRET_KEY"]


def test_the_key_file_lives_outside_version_control():
    ignored = (PROJECT / ".gitignore").read_text().split()
    assert "var/" in ignored
    assert settings.DATA_DIR == Path(os.environ.get("YIBAO_DATA_DIR", PROJECT / "var"))


def test_the_environment_overrides_the_key_and_turns_debug_on(tmp_path):
    values = settings_in_subprocess(tmp_path, YIBAO_SECRET_KEY="k" * 60, YIBAO_DEBUG="1")
    assert values["SECRET_KEY"] == "k" * 60 and values["DEBUG"] is True
    assert not (tmp_path / "secret_key").exists()


def test_hosts_and_the_public_url_follow_the_served_address(tmp_path):
    values = settings_in_subprocess(tmp_path, YIBAO_HOST="10.1.2.3", YIBAO_PORT="9000")
    assert values["YIBAO_PUBLIC_URL"] == "http://10.1.2.3:9000"
    assert "10.1.2.3" in values["ALLOWED_HOSTS"] and "*" not in values["ALLOWED_HOSTS"]
    public = settings_in_subprocess(tmp_path, YIBAO_PUBLIC_URL="http://yb.example.cn/",
                                    YIBAO_ALLOWED_HOSTS="a.example.cn,b.example.cn")
    assert public["YIBAO_PUBLIC_URL"] == "http://yb.example.cn"
    assert {"yb.example.cn", "a.example.cn", "b.example.cn"} <= set(public["ALLOWED_HOSTS"])
    assert public["SESSION_COOKIE_SECURE"] is False and public["SECURE_HSTS_SECONDS"] in (None, 0)


def test_https_turns_on_secure_cookies_and_hsts(tmp_path):
    for env in ({"YIBAO_PUBLIC_URL": "https://yb.example.cn"}, {"YIBAO_HTTPS": "1"}):
        values = settings_in_subprocess(tmp_path, **env)
        assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
        assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings_in_subprocess(tmp_path, YIBAO_PUBLIC_URL="https://yb.example.cn")[
        "CSRF_TRUSTED_ORIGINS"] == ["https://yb.example.cn"]


def test_serve_sh_exports_the_address_it_serves_and_sets_no_debug():
    script = (PROJECT / "scripts" / "serve.sh").read_text()
    assert "export YIBAO_HOST" in script and "export YIBAO_PUBLIC_URL" in script
    # It leaves DEBUG to the environment (off unless YIBAO_DEBUG=1 is set by the person starting it).
    assert "export YIBAO_DEBUG" not in script and "runserver" not in script


@pytest.mark.django_db
def test_an_unknown_page_is_a_chinese_styled_404_listing_no_urls(client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "css/site.css" in page
    assert "Not Found" not in page and "URLconf" not in page and "admin/" not in page


@pytest.mark.django_db
def test_a_bad_host_header_is_a_chinese_400_without_the_settings(client):
    response = client.get("/", HTTP_HOST="evil.example")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请求有误" in page and "ALLOWED_HOSTS" not in page and "SECRET" not in page


def test_the_500_page_is_chinese_and_needs_no_context():
    page = engines["django"].get_template("500.html").render({})
    assert "系统繁忙" in page and "Server Error" not in page


@pytest.mark.django_db
def test_the_csrf_failure_page_is_chinese():
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/accounts/login/", {"kind": "person"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/guides/taiyuan/")
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert client.get("/api/docs")["Content-Security-Policy"] == policy


@pytest.mark.django_db
def test_the_policy_allows_no_inline_style(client):
    policy = client.get("/guides/taiyuan/")["Content-Security-Policy"]
    style_src = next(part for part in policy.split(";") if part.strip().startswith("style-src"))
    assert style_src.strip() == "style-src 'self'"


def test_no_template_has_an_inline_style():
    offenders = []
    for path in TEMPLATE_ROOTS[0].rglob("templates/**/*.html"):
        text = path.read_text()
        offenders += [f"{path}: {m}" for m in re.findall(r"\sstyle=\"[^\"]*\"", text)]
        offenders += [f"{path}: <style>" for _ in re.findall(r"<style\b", text)]
    assert offenders == []
    # htmx would inject its indicator <style>: the base page turns that off (site.css has the rules).
    assert '"includeIndicatorStyles": false' in (TEMPLATE_ROOTS[0] / "templates" / "base.html").read_text()


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATE_ROOTS[0].rglob("templates/**/*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path}: {tag}")
        offenders += [f"{path}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
        offenders += [f"{path}: javascript:" for _ in re.findall(r"javascript:", text)]
    assert offenders == []


@pytest.mark.django_db
def test_the_api_docs_load_their_assets_from_this_server(client):
    page = client.get("/api/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the docs page must work offline"
    asset = re.search(r"src=\"([^\"]*swagger-ui-bundle\.js)\"", page).group(1)
    assert client.get(asset).status_code == 200


def test_verification_codes_point_at_the_public_address(settings):
    settings.YIBAO_PUBLIC_URL = "http://10.1.2.3:9000"
    assert verify_url("ABCDEFGHJKMNPQRS") == "http://10.1.2.3:9000/documents/verify/ABCDEFGHJKMNPQRS/"
