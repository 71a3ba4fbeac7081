from datetime import UTC, datetime

import pytest

from claims.importers.article import article_data_from_bytes, article_data_from_path
from claims.importers.base import ParseError
from claims.importers.markdown import parse_markdown_file

from .conftest import FIXTURES


def test_every_header_field_of_the_export_form():
    data = article_data_from_path(FIXTURES / "export-article.md")
    assert data.origin == "seed-markdown"
    assert data.title == "测试报道：某视频模型被指可生成 10 秒 1080p 视频"
    assert data.author == "测试科技观察"
    assert data.outlet == "测试科技观察"  # a WeChat export's author is the public account
    assert data.place == "上海"
    # 原文链接 becomes the url, in canonical form (fragment and utm_ parameters dropped)
    assert data.url == "http://mp.weixin.qq.com/s?__biz=TESTBIZ==&mid=100&idx=1&sn=abc"
    assert data.cover_image_url == "https://img.example.org/cover/300"
    assert data.language == "zh"


def test_time_is_read_in_china_time_when_the_place_is_in_china():
    data = article_data_from_path(FIXTURES / "export-article.md")
    assert data.published_at == datetime(2024, 11, 27, 1, 23, tzinfo=UTC)
    assert data.published_at.utcoffset().total_seconds() == 8 * 3600
    assert not data.warnings


def test_images_are_not_body_text_and_links_are_candidate_sources():
    data = article_data_from_path(FIXTURES / "export-article.md")
    assert "img.example.org" not in data.body
    assert "![" not in data.body
    assert "](" not in data.body
    # wrapped lines are joined, markup dropped, link text kept
    assert "生成 10 秒钟的 1080p 分辨率视频" in data.body
    assert "合理报酬" in data.body
    assert "**" not in data.body
    assert "据《示例日报》报道，原始系统制作一分钟的视频需要超过 10 分钟的处理时间" in data.body
    assert "相关阅读：另一篇文章" in data.body
    assert [link.url for link in data.links] == [
        "https://news.example.org/report/42",
        "https://tools.example.org/list",
        "https://mp.weixin.qq.com/s?__biz=TESTBIZ==&mid=99&idx=2&sn=def&scene=21",
    ]
    assert data.links[0].text == "《示例日报》报道"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("发布时间: 2024-11-27 09:23\n发布地: 上海", datetime(2024, 11, 27, 1, 23, tzinfo=UTC)),
        ("发布时间: 2024-11-27 09:23\n发布地: 香港", datetime(2024, 11, 27, 1, 23, tzinfo=UTC)),
        ("发布时间: 2024年11月27日 09:23\n发布地: 广东", datetime(2024, 11, 27, 1, 23, tzinfo=UTC)),
        # the file says otherwise: its own offset or a 时区 line wins over the place
        ("发布时间: 2024-11-27 09:23 UTC+9\n发布地: 上海", datetime(2024, 11, 27, 0, 23, tzinfo=UTC)),
        ("发布时间: 2024-11-27T09:23:00+00:00\n发布地: 上海", datetime(2024, 11, 27, 9, 23, tzinfo=UTC)),
        (
            "发布时间: 2024-11-27 09:23\n发布地: 美国\n时区: America/New_York",
            datetime(2024, 11, 27, 14, 23, tzinfo=UTC),
        ),
        ("发布时间: 2024-11-27 09:23\n时区: UTC", datetime(2024, 11, 27, 9, 23, tzinfo=UTC)),
    ],
)
def test_time_zone(header, expected):
    text = f"# T\n\n文章作者: A\n{header}\n原文链接: https://e.example.org/a\n\nBody.\n"
    assert parse_markdown_file(text.encode()).published_at == expected


def test_place_outside_china_without_zone_uses_the_default_and_says_so(settings):
    settings.IMPORT_DEFAULT_TIME_ZONE = "Asia/Shanghai"
    text = "# T\n\n发布时间: 2024-11-27 09:23\n发布地: 美国\n原文链接: https://e.example.org/a\n\nBody.\n"
    data = parse_markdown_file(text.encode())
    assert data.published_at == datetime(2024, 11, 27, 1, 23, tzinfo=UTC)
    assert any("美国" in w and "Asia/Shanghai" in w for w in data.warnings)


def test_a_file_missing_its_link_names_the_field():
    with pytest.raises(ParseError) as info:
        article_data_from_path(FIXTURES / "export-missing-link.md")
    assert info.value.field == "原文链接 (url)"
    assert "missing" in str(info.value)


def test_a_missing_link_can_be_given_from_outside():
    data = article_data_from_path(FIXTURES / "export-missing-link.md", url="https://e.example.org/given")
    assert data.url == "https://e.example.org/given"
    assert data.place == "北京"


def test_a_file_missing_other_fields_imports_with_what_it_has():
    data = article_data_from_path(FIXTURES / "export-partial.md")
    assert data.title == "Only a title and a link"
    assert data.url == "https://news.example.org/only-title"
    assert data.author == data.place == data.cover_image_url == ""
    assert data.published_at is None
    assert any(w.startswith("发布时间") for w in data.warnings)
    assert data.body == "The body has one paragraph and an image."


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("发布时间: 2024-13-45 99:99", "发布时间 (published_at)"),
        ("发布时间: yesterday", "发布时间 (published_at)"),
        ("原文链接: ftp://files.example.org/a", "原文链接 (url)"),
        ("封面图链接: not a url", "封面图链接 (cover_image_url)"),
        ("时区: Mars/Olympus", "时区 (time zone)"),
    ],
)
def test_a_bad_field_is_named_with_the_reason(line, field):
    text = f"# T\n\n发布时间: 2024-11-27 09:23\n原文链接: https://e.example.org/a\n{line}\n\nBody.\n"
    if line.startswith(("发布时间", "原文链接")):
        text = f"# T\n\n{line}\n" + ("原文链接: https://e.example.org/a\n" if "发布" in line else "") + "\nBody.\n"
    with pytest.raises(ParseError) as info:
        parse_markdown_file(text.encode())
    assert info.value.field == field
    assert info.value.reason


def test_a_field_given_twice_with_different_values_is_an_error():
    text = "# T\n\n发布地: 上海\n发布地: 北京\n原文链接: https://e.example.org/a\n\nBody.\n"
    with pytest.raises(ParseError, match="发布地: given twice"):
        parse_markdown_file(text.encode())


def test_a_binary_file_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(ParseError, match="binary"):
        article_data_from_bytes(png, name="cover.md")


def test_an_empty_file_is_refused():
    with pytest.raises(ParseError, match="empty"):
        article_data_from_bytes(b"  \n", name="a.md")


def test_plain_markdown_with_front_matter():
    text = (
        "---\ntitle: Front matter title\nurl: https://blog.example.org/post\nauthor: Ann\n"
        "date: 2024-05-01T10:00:00+02:00\n---\n\nSome *body* with a [link](https://ref.example.org/x).\n"
    )
    data = parse_markdown_file(text.encode())
    assert data.origin == "markdown"
    assert (data.title, data.url, data.author) == ("Front matter title", "https://blog.example.org/post", "Ann")
    assert data.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert [link.url for link in data.links] == ["https://ref.example.org/x"]


def test_gb18030_encoded_export_is_read():
    text = "# 标题\n\n发布地: 上海\n原文链接: https://e.example.org/gb\n\n正文。\n"
    assert parse_markdown_file(text.encode("gb18030")).title == "标题"
