"""The desk's pages and the tip form in a browser: nothing wider than a 375 px phone, the honeypot out of sight,
the reader's flow of sending a tip, and screenshots (var/screenshots/tips*.png)."""

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_pages_and_the_tip_form_fit_a_phone(new_page, screenshot):
    from public.models import Page

    if not Page.objects.exists():  # an earlier transactional test flushed the migration's pages
        Page.objects.create(slug="about", language="en", title="About us", body="# Who\n\n" + "word " * 300)
        Page.objects.create(slug="methodology", language="zh-hans", title="核查方法", body="## 评级\n\n- **正确**")
    page = new_page()
    page.set_viewport_size(PHONE)
    for path in ("/about/", "/about/methodology/", "/tips/"):
        page.goto(path)
        assert no_horizontal_scroll(page), path
    trap = page.locator("#id_website").bounding_box()
    assert trap["x"] + trap["width"] <= 0  # moved out of view, not display:none
    screenshot(page, "tips-form-en")

    page.fill("#id_text", "x" * 2001)  # beyond the limit: the browser's maxlength cuts it, the server would refuse
    assert len(page.input_value("#id_text")) == 2000
    page.fill("#id_text", "A claim with a bell \x07 in it.")
    with page.expect_navigation():
        page.click(".tip-form button[type=submit]")
    assert page.locator(".form-errors").is_visible()
    assert "A claim with a bell" in page.input_value("#id_text")
    assert no_horizontal_scroll(page)
    screenshot(page, "tips-form-errors-en")

    page.fill("#id_text", "Drinking hot water cures the flu.")
    with page.expect_navigation():
        page.click(".tip-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Thank you"
    screenshot(page, "tips-thanks-en")
