"""The API's error messages in the request's language (Accept-Language), English by default; the machine fields
(codes, field names, values) never change with it (issue 18)."""

import pytest

from claims.choices import ClaimStatus
from claims.models import Claim

ZH = {"accept-language": "zh-Hans"}


def patch(client, claim_id, data, **headers):
    return client.patch(f"/api/v1/claims/{claim_id}/", data=data, content_type="application/json", headers=headers)


def test_a_publishing_refusal_in_chinese(client, draft, reviewer_headers):
    response = patch(client, draft.pk, {"status": "published"}, **reviewer_headers, **ZH)
    assert response.status_code == 400
    assert response["Content-Language"] == "zh-hans"
    message = " ".join(response.json()["detail"])
    assert message == "这条说法还不能发布：选择“未评级”以外的核查结论；撰写核查结论的说明；至少添加一条证据。"
    assert Claim.objects.get(pk=draft.pk).status == ClaimStatus.DRAFT


def test_the_same_refusal_in_english_without_the_header(client, draft, reviewer_headers):
    response = patch(client, draft.pk, {"status": "published"}, **reviewer_headers)
    assert response.status_code == 400
    assert " ".join(response.json()["detail"]) == (
        "This claim cannot be published yet: choose a verdict other than “unrated”; write an explanation of the "
        "verdict; add at least one piece of evidence."
    )


def test_a_refused_status_change_names_the_statuses_in_chinese(client, published, reviewer_headers):
    response = patch(client, published.pk, {"status": "draft"}, **reviewer_headers, **ZH)
    assert response.status_code == 400
    assert "说法不能从“已发布”变为“草稿”。" in str(response.json())


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"needs_attention": "maybe"}, "needs_attention", "“maybe”不是布尔值；请使用 true 或 false。"),
        ({"verdict": "true,,false"}, "verdict", "请用单个逗号分隔各个值；不允许有空值。"),
        ({"cursor": "not-a-cursor"}, "cursor", "无效的游标。"),
    ],
)
def test_a_bad_parameter_is_named_in_chinese(client, db, query, field, message):
    response = client.get("/api/v1/claims/", query, headers=ZH)
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_an_export_format_error_in_chinese(client, db):
    response = client.get("/api/v1/claims/export/", {"format": "xlsx"}, headers=ZH)
    assert response.status_code == 400
    assert response.json() == {"format": ["“xlsx”不是导出格式；请使用 csv 或 ndjson。"]}


def test_a_write_by_a_reader_is_refused_in_chinese(client, draft, researcher_headers):
    response = patch(client, draft.pk, {"text": "改写"}, **researcher_headers, **ZH)
    assert response.status_code == 403
    assert response.json() == {"detail": "只有审核人可以修改说法和证据。"}


def test_a_body_too_large_is_refused_in_chinese_before_anything_reads_it(client, draft, reviewer_headers, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = patch(client, draft.pk, {"text": "长" * 200}, **reviewer_headers, **ZH)
    assert response.status_code == 413
    assert response.json()["detail"].startswith("请求体有 ")
