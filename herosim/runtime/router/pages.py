"""The pages the router serves itself, with status 503: Heroku's application error page, its
maintenance page, or the app's own (ERROR_PAGE_URL, MAINTENANCE_PAGE_URL) in an iframe, as
Heroku serves custom pages (pure)."""

from __future__ import annotations

import html

APPLICATION_ERROR = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Application Error</title></head>"
    "<body><h1>Application Error</h1><p>An error occurred in the application and your page could not be "
    "served. If you are the application owner, check your logs for details: "
    "<code>herosim logs --tail</code></p></body></html>")
MAINTENANCE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Offline for Maintenance</title></head>"
    "<body><h1>Offline for Maintenance</h1><p>This app is undergoing maintenance right now. "
    "Please check back later.</p></body></html>")


def custom(url: str) -> str:
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body style='margin:0'>"
            f"<iframe src=\"{html.escape(url, quote=True)}\" style='border:0;width:100%;height:100vh'></iframe>"
            "</body></html>")


def for_code(code: str, maintenance_page_url: str = "", error_page_url: str = "") -> bytes:
    if code == "H80":
        return (custom(maintenance_page_url) if maintenance_page_url else MAINTENANCE).encode()
    return (custom(error_page_url) if error_page_url else APPLICATION_ERROR).encode()
