"""A small labelled set of claim pairs for measuring claims.similarity (README "Similar claims").

duplicate: the same claim (reworded, or translated zh↔en): an importer should link it.
related:   the same claim with different figures: a reviewer should see it, an importer should not link it.
different: a different claim, often about the same people or things: neither.
"""

DUPLICATE, RELATED, DIFFERENT = "duplicate", "related", "different"

PAIRS: list[tuple[str, str, str, str]] = [
    # (kind of variation, claim A, claim B, label)
    # --- reworded, English
    (
        "reworded",
        "The leaked Sora model can generate 10-second videos at 1080p resolution.",
        "Sora, as leaked, is able to produce 1080p videos that are 10 seconds long.",
        DUPLICATE,
    ),
    (
        "reworded",
        "OpenAI cut off all artists' early access to Sora three hours after the leak.",
        "Three hours after the leak, OpenAI suspended early access to Sora for every artist.",
        DUPLICATE,
    ),
    (
        "reworded",
        "Amazon invested an additional $4 billion in Anthropic.",
        "Anthropic received another 4 billion dollars of investment from Amazon.",
        DUPLICATE,
    ),
    (
        "reworded",
        "Sora co-lead Tim Brooks left OpenAI to join Google in early October.",
        "In early October Tim Brooks, who co-led Sora, left OpenAI for Google.",
        DUPLICATE,
    ),
    (
        "reworded",
        "Drinking hot water every 15 minutes prevents COVID-19 infection.",
        "You can prevent a COVID-19 infection by drinking hot water every 15 minutes.",
        DUPLICATE,
    ),
    (
        "reworded",
        "The Eiffel Tower was sold for scrap metal twice by the same con man.",
        "A con man sold the Eiffel Tower for scrap metal on two occasions.",
        DUPLICATE,
    ),
    ("reworded", "5G masts spread the coronavirus.", "The coronavirus is being spread by 5G masts.", DUPLICATE),
    # --- reworded, Chinese
    (
        "reworded",
        "泄露的 Sora 模型能够生成 10 秒钟的 1080p 分辨率视频。",
        "被泄露的 Sora 可以生成时长 10 秒、分辨率 1080p 的视频。",
        DUPLICATE,
    ),
    (
        "reworded",
        "原始 Sora 系统制作一分钟的视频需要超过 10 分钟的处理时间。",
        "Sora 原始版本生成一分钟视频要处理 10 分钟以上。",
        DUPLICATE,
    ),
    ("reworded", "亚马逊向 Anthropic 追加了 40 亿美元投资。", "Anthropic 获得亚马逊追加投资 40 亿美元。", DUPLICATE),
    ("reworded", "喝板蓝根可以预防新冠病毒感染。", "板蓝根能预防新冠病毒感染。", DUPLICATE),
    # --- translated zh ↔ en
    (
        "translated",
        "The leaked Sora model can generate 10-second 1080p videos.",
        "泄露的 Sora 模型能够生成 10 秒钟的 1080p 分辨率视频。",
        DUPLICATE,
    ),
    (
        "translated",
        "OpenAI is a company worth 150 billion dollars.",
        "OpenAI 是一家价值 1500 亿美元的公司。",
        DUPLICATE,
    ),
    (
        "translated",
        "Amazon invested another $4 billion in Anthropic.",
        "亚马逊向 Anthropic 追加 40 亿美元投资。",
        DUPLICATE,
    ),
    (
        "translated",
        "Tim Brooks, co-lead of Sora, left OpenAI for Google in October.",
        "Sora 的联合负责人 Tim Brooks 在 10 月离开 OpenAI 加盟谷歌。",
        DUPLICATE,
    ),
    (
        "translated",
        "The artists published the leaked Sora model on Hugging Face under the name PR-Puppets.",
        "艺术家们以 PR-Puppets 的用户名在 Hugging Face 上发布了泄露的 Sora 模型。",
        DUPLICATE,
    ),
    (
        "translated",
        "Kevin Weil said in a Reddit AMA that Sora needs more compute.",
        "Kevin Weil 在 Reddit AMA 中表示 Sora 需要更多算力。",
        DUPLICATE,
    ),
    (
        "translated",
        "Drinking hot water cures the flu.",
        "喝热水可以治愈流感。",
        DUPLICATE,
    ),  # no shared name or figure: expected to be missed
    # --- different figures (related, not the same claim)
    (
        "figures",
        "The leaked Sora model can generate 10-second videos at 1080p.",
        "The leaked Sora model can generate 20-second videos at 1080p.",
        RELATED,
    ),
    (
        "figures",
        "OpenAI is a company worth 150 billion dollars.",
        "OpenAI is a company worth 80 billion dollars.",
        RELATED,
    ),
    (
        "figures",
        "Amazon invested an additional $4 billion in Anthropic.",
        "Amazon invested an additional $2.75 billion in Anthropic.",
        RELATED,
    ),
    (
        "figures",
        "泄漏事件发生 3 小时后，OpenAI 关闭了早期访问权限。",
        "泄漏事件发生 24 小时后，OpenAI 关闭了早期访问权限。",
        RELATED,
    ),
    ("figures", "Unemployment fell to 3.5% in March.", "Unemployment fell to 4.1% in March.", RELATED),
    # --- different claims, often about the same things
    (
        "different",
        "The leaked Sora model can generate 10-second 1080p videos.",
        "OpenAI first showed Sora in February 2024.",
        DIFFERENT,
    ),
    (
        "different",
        "OpenAI cut off artists' early access to Sora after the leak.",
        "Anthropic added Artifacts, Computer Use and MCP.",
        DIFFERENT,
    ),
    (
        "different",
        "Amazon invested an additional $4 billion in Anthropic.",
        "OpenAI is a company worth 150 billion dollars.",
        DIFFERENT,
    ),
    ("different", "Tim Brooks left OpenAI to join Google.", "Kevin Weil is OpenAI's chief product officer.", DIFFERENT),
    (
        "different",
        "泄露的 Sora 模型能够生成 1080p 视频。",
        "快手可灵和 Minimax 海螺 AI 是 Sora 的竞争对手。",
        DIFFERENT,
    ),
    ("different", "5G masts spread the coronavirus.", "Vitamin C cures the coronavirus.", DIFFERENT),
    (
        "different",
        "The Eiffel Tower was sold for scrap metal twice.",
        "The Eiffel Tower grows 15 cm taller in summer.",
        DIFFERENT,
    ),
    ("different", "OpenAI is a company worth 150 billion dollars.", "Sora 一直以来都是精心设计的卖家秀。", DIFFERENT),
    (
        "different",
        "The artists published the leaked Sora model on Hugging Face.",
        "OpenAI 可能很快发布一款更新、更快的 Sora 版本。",
        DIFFERENT,
    ),
    (
        "different",
        "Drinking hot water every 15 minutes prevents COVID-19 infection.",
        "Masks reduce the spread of COVID-19 by 50%.",
        DIFFERENT,
    ),
    ("different", "喝板蓝根可以预防新冠病毒感染。", "新冠疫苗会改变人的基因。", DIFFERENT),
    ("different", "Unemployment fell to 3.5% in March.", "Inflation rose to 3.5% in March.", DIFFERENT),
]
