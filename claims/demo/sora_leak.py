"""Demo data: one Chinese news article on the Sora leak of November 2024 and the claims it makes.

This is demonstration data. The article's own text is not reproduced: `body` is a summary in our words,
each `quote` is a short verbatim excerpt (that is what a quote is), and the English `text`, explanations
and notes are ours. Every source address below was confirmed to exist before it was written here
(see the commit that added this file); none is guessed. Where no public page could be confirmed,
a claim cites only the article and says so in its explanation.
"""

ARTICLE = {
    # The article's "original link", in the canonical form our url normaliser gives it (the #rd fragment dropped).
    "url": (
        "http://mp.weixin.qq.com/s?__biz=Mzk0NzQzOTczOA==&mid=2247512699&idx=1"
        "&sn=8f4eed094066b13763cf13bedbd50a79"
        "&chksm=c374236ef403aa780c023399c47a741fa1a6958f434935d1b1cbcdb3a3936a75304a3c1d89b5"
    ),
    "title": "白嫖遭反噬！众包测试人员泄露 OpenAI 的 Sora 视频模型以抗议无偿工作",
    "outlet": "AI范儿",
    "author": "AI范儿",
    "published_at": "2024-11-27T09:23:00+08:00",  # as printed, Shanghai time (UTC+8)
    "language": "zh-Hans",
    "place": "上海",
    "cover_image_url": (
        "https://mmbiz.qpic.cn/mmbiz_jpg/OdmYSS49h7GHJkeibJ9YK2NnLP1s61ibUuic3lkfTXm3KggnOURrZtoJBFZRuJCkVKjCicia5q"
        "oyll8Df86VQy466tA/300"
    ),
    "body": (
        "Demo summary in our own words (the original text is not stored here).\n\n"
        "The WeChat account AI范儿 reports that a group of Sora early-access testers, posting on Hugging Face as "
        "PR-Puppets, opened public access to OpenAI's unreleased Sora video generator in protest at unpaid testing "
        "work and what they called artwashing. The piece describes the 10-second, 1080p output of the leaked page, "
        "OpenAI closing early access a few hours later, developer Tibor Blaho's reading of the leaked code (direct "
        "API calls, a likely 'turbo' version, style presets), Sora's slow progress since its February 2024 preview, "
        "co-lead Tim Brooks' move to Google, Kevin Weil's explanation of the delay in a Reddit AMA, open-source and "
        "commercial alternatives, and Amazon's further $4 billion investment in Anthropic. It closes with the "
        "author's view that OpenAI keeps losing ground to rivals."
    ),
}

# Pages cited as evidence, by a short key. Titles are given only where the page's own title is known.
SOURCES = {
    "article": {
        "url": ARTICLE["url"],
        "title": ARTICLE["title"],
        "publisher": "AI范儿 (WeChat)",
    },
    "hf-space": {
        "url": "https://huggingface.co/spaces/PR-Puppets/PR-Puppet-Sora",
        "title": "PR-Puppets/PR-Puppet-Sora",
        "publisher": "Hugging Face",
    },
    "readwrite": {
        "url": "https://readwrite.com/openai-suspends-access-sora-alleged-leak/",
        "title": "OpenAI suspends access to Sora after alleged leak sparks controversy",
        "publisher": "ReadWrite",
    },
    "onlinemarketing": {
        "url": "https://onlinemarketing.de/technologie/openai-sora-leak",
        "title": "",
        "publisher": "OnlineMarketing.de",
    },
    "openai-sora": {
        "url": "https://openai.com/index/sora/",
        "title": "Sora: Creating video from text",
        "publisher": "OpenAI",
    },
    "openai-sora-is-here": {
        "url": "https://openai.com/index/sora-is-here/",
        "title": "Sora is here",
        "publisher": "OpenAI",
    },
    "openai-funding": {
        "url": "https://openai.com/index/scale-the-benefits-of-ai/",
        "title": "New funding to scale the benefits of AI",
        "publisher": "OpenAI",
    },
    "livemint": {
        "url": (
            "https://www.livemint.com/companies/start-ups/"
            "openai-nearly-doubles-valuation-to-157-billion-in-funding-round-11727949127921.html"
        ),
        "title": "",
        "publisher": "Mint",
    },
    "outlookbusiness": {
        "url": (
            "https://outlookbusiness.com/amp/story/news/"
            "openai-video-platform-soras-co-lead-tim-brooks-quits-for-google-deepmind"
        ),
        "title": "",
        "publisher": "Outlook Business",
    },
    "ainvest": {
        "url": (
            "https://www.ainvest.com/news/"
            "openai-faces-turbulence-as-video-pioneer-tim-brooks-joins-google-deepmind-2410101042302c180d9a4243/"
        ),
        "title": "",
        "publisher": "AInvest",
    },
    "anthropic-amazon": {
        "url": "https://www.anthropic.com/news/anthropic-amazon-trainium",
        "title": "Powering the next generation of AI development with AWS",
        "publisher": "Anthropic",
    },
    "the-decoder": {
        "url": "https://the-decoder.com/aws-invests-another-4-billion-in-anthropic-to-push-its-own-ai-hardware-and-cloud",
        "title": "",
        "publisher": "The Decoder",
    },
    "qz": {
        "url": "https://qz.com/amazon-invest-4-billion-ai-startup-anthropic-model-chip-1851705944",
        "title": "",
        "publisher": "Quartz",
    },
    "gh-cogvideo": {
        "url": "https://github.com/THUDM/CogVideo",
        "title": "THUDM/CogVideo",
        "publisher": "GitHub",
    },
    "gh-mochi": {
        "url": "https://github.com/genmoai/mochi",
        "title": "genmoai/mochi",
        "publisher": "GitHub",
    },
    "gh-ltx-video": {
        "url": "https://github.com/Lightricks/LTX-Video",
        "title": "Lightricks/LTX-Video",
        "publisher": "GitHub",
    },
    "gh-pyramid-flow": {
        "url": "https://github.com/jy0205/Pyramid-Flow",
        "title": "jy0205/Pyramid-Flow",
        "publisher": "GitHub",
    },
}

# The language our texts and explanations are written in (Claim.review_language); the quotes are the article's.
REVIEW_LANGUAGE = "en"

PR_PUPPETS = "PR-Puppets (group of Sora early-access testers), open letter"
ARTICLE_ITSELF = "AI范儿 (the article)"

# One entry per checkable claim. `key` is the natural key: the loader tags the claim "demo:<key>"
# and never creates a second claim with the same tag. Figures are strings so they load as exact decimals.
CLAIMS = [
    {
        "key": "leak-model",
        "quote": "在 Hugging Face（一家 AI 模型托管平台）发布泄露的 Sora 模型来抗议",
        "text": "A group of Sora testers posting as PR-Puppets released OpenAI's Sora model on Hugging Face.",
        "claimant": ARTICLE_ITSELF,
        "tags": ["sora", "openai", "leak", "hugging-face"],
        "verdict": "misleading",
        "status": "published",
        "explanation": (
            "The account and the place are right: a Hugging Face Space published by PR-Puppets on 26 November 2024 "
            "let anyone generate Sora videos. But what leaked was access, not the model. The page forwarded prompts "
            "to OpenAI's own Sora service with early-access credentials and stopped working as soon as access was "
            "cut; no model weights were published. Rests on ReadWrite's report of the leak and on the Space itself."
        ),
        "evidence": [
            {
                "source": "readwrite",
                "stance": "refutes",
                "excerpt": (
                    "Using authentication tokens—likely accessed through an early access program—they built "
                    "a frontend allowing users to generate videos with Sora."
                ),
            },
            {
                "source": "hf-space",
                "stance": "context",
                "note": "The Space the group published. It stopped working within hours of going up.",
            },
            {"source": "article", "stance": "context", "excerpt": "发布泄露的 Sora 模型"},
        ],
    },
    {
        "key": "ten-seconds",
        "quote": "该模型能够生成 10 秒钟的 1080p 分辨率视频",
        "text": "Videos made through the leaked Sora page could be up to 10 seconds long.",
        "claimant": "Hugging Face data, as cited by AI范儿",
        "value": "10",
        "unit": "s",
        "tags": ["sora", "leak", "capability"],
        "verdict": "true",
        "status": "published",
        "explanation": (
            "Reports of the leak agree that the page produced clips of up to 10 seconds. That was the limit of the "
            "leaked page, not of Sora as such: OpenAI's February 2024 preview showed clips up to a minute long. "
            "Rests on ReadWrite's account of the leak and OpenAI's preview page."
        ),
        "evidence": [
            {
                "source": "readwrite",
                "stance": "supports",
                "excerpt": "users could generate 10-second videos in up to 1080p resolution",
            },
            {
                "source": "openai-sora",
                "stance": "context",
                "note": "OpenAI's February 2024 preview, for the length of clips shown then.",
            },
            {"source": "article", "stance": "context", "excerpt": "10 秒钟的 1080p 分辨率视频"},
        ],
    },
    {
        "key": "resolution-1080p",
        "quote": "该模型能够生成 10 秒钟的 1080p 分辨率视频",
        "text": "Videos made through the leaked Sora page could have a resolution of up to 1080p.",
        "claimant": "Hugging Face data, as cited by AI范儿",
        "value": "1080",
        "unit": "p",
        "tags": ["sora", "leak", "capability"],
        "verdict": "true",
        "status": "in_review",
        "explanation": (
            "The same reports that give the 10-second limit say output went up to 1080p. Rests on ReadWrite's "
            "account of the leak; waiting for a second reviewer before publishing."
        ),
        "evidence": [
            {
                "source": "readwrite",
                "stance": "supports",
                "excerpt": "users could generate 10-second videos in up to 1080p resolution",
            },
            {"source": "article", "stance": "context", "excerpt": "1080p 分辨率视频"},
        ],
    },
    {
        "key": "render-time",
        "quote": "原始系统制作一分钟的短视频剪辑需要超过 10 分钟的处理时间",
        "text": (
            "The Sora system shown in February 2024 needed more than 10 minutes of processing to make "
            "a one-minute clip."
        ),
        "claimant": "The Information, as cited by AI范儿",
        "value": "10",
        "unit": "min",
        "tags": ["sora", "performance"],
        "verdict": "unverifiable",
        "status": "published",
        "explanation": (
            "The figure comes from one paywalled report in The Information that other outlets repeated, for example "
            "AInvest in its story on Tim Brooks' departure. OpenAI has never published generation times for that "
            "model, so we cannot confirm or refute it independently."
        ),
        "evidence": [
            {
                "source": "ainvest",
                "stance": "context",
                "excerpt": "the system required over ten minutes to process one-minute video clips",
            },
            {"source": "article", "stance": "context", "excerpt": "需要超过 10 分钟的处理时间"},
        ],
    },
    {
        "key": "valuation",
        "quote": "价值 1500 亿美元的公司",
        "text": "OpenAI was a company valued at $150 billion in November 2024.",
        "claimant": PR_PUPPETS,
        "value": "150000000000",
        "unit": "USD",
        "tags": ["openai", "valuation"],
        "verdict": "mostly_true",
        "status": "published",
        "explanation": (
            "OpenAI's funding round of 2 October 2024 raised $6.6 billion at a $157 billion post-money valuation, "
            "the latest figure when the letter was written. '$150 billion' rounds that down. Rests on OpenAI's "
            "announcement of the round and Mint's report of it; the group's own wording is quoted by "
            "OnlineMarketing.de."
        ),
        "evidence": [
            {
                "source": "openai-funding",
                "stance": "supports",
                "note": "OpenAI's announcement of the October 2024 funding round.",
            },
            {
                "source": "livemint",
                "stance": "supports",
                "excerpt": "Investors are valuing the startup behind ChatGPT at $157 billion",
            },
            {"source": "onlinemarketing", "stance": "context", "excerpt": "for a $150B valued company"},
            {"source": "article", "stance": "context", "excerpt": "价值 1500 亿美元的公司"},
        ],
    },
    {
        "key": "unpaid-artists",
        "quote": "曾要求数百名艺术家参与系统测试，帮助发现问题并提供反馈，但并未给予相应的报酬",
        "text": "Hundreds of artists tested Sora and gave feedback for OpenAI without being paid for the work.",
        "claimant": PR_PUPPETS,
        "tags": ["sora", "openai", "artists", "labour"],
        "verdict": "mixed",
        "status": "in_review",
        "explanation": (
            "Both sides agree that hundreds of artists had free early access to Sora, and no report says they were "
            "paid. OpenAI describes the programme as voluntary, with no duty to give feedback; the group calls it "
            "unpaid labour rewarded only by a chance to have films screened. The facts largely hold, the framing is "
            "disputed. Rests on the group's letter as quoted by OnlineMarketing.de and on ReadWrite's report."
        ),
        "evidence": [
            {
                "source": "onlinemarketing",
                "stance": "supports",
                "excerpt": "Hundreds of artists provide unpaid labor through bug testing, feedback",
            },
            {
                "source": "readwrite",
                "stance": "context",
                "excerpt": "OpenAI had provided free early access to Sora for hundreds of artists",
            },
            {"source": "article", "stance": "context", "excerpt": "曾要求数百名艺术家参与系统测试"},
        ],
    },
    {
        "key": "access-closed",
        "quote": "泄漏事件发生 3 小时后，OpenAI 临时关闭了所有艺术家对 Sora 的早期访问权限",
        "text": "About three hours after the leak, OpenAI temporarily shut off all artists' early access to Sora.",
        "claimant": ARTICLE_ITSELF,
        "value": "3",
        "unit": "h",
        "tags": ["sora", "openai", "leak"],
        "verdict": "mostly_true",
        "status": "published",
        "explanation": (
            "ReadWrite reports that OpenAI paused early access after the leak while it looked into it. The "
            "three-hour interval comes from the protest group itself and OpenAI did not confirm it, so the substance "
            "holds while the exact timing rests on one side's account."
        ),
        "evidence": [
            {
                "source": "readwrite",
                "stance": "supports",
                "excerpt": "OpenAI temporarily suspended Sora’s early access for all artists after three hours",
            },
            {"source": "article", "stance": "context", "excerpt": "泄漏事件发生 3 小时后"},
        ],
    },
    {
        "key": "api-access",
        "quote": "Sora 模型直接接入了 OpenAI 的 API，使用 Hugging Face 提供的固定认证数据",
        "text": (
            "The leaked Sora page called OpenAI's API directly, using fixed credentials supplied through Hugging Face."
        ),
        "claimant": "Tibor Blaho (AI developer), as reported by AI范儿",
        "tags": ["sora", "leak", "api"],
        "verdict": "mostly_true",
        "status": "published",
        "explanation": (
            "Every account of the leak agrees that the page was a front end sending requests to OpenAI's own "
            "service. The credentials, though, were early-access tokens issued by OpenAI and merely stored in the "
            "Space, not something Hugging Face supplied. Rests on ReadWrite's report (which also shows Blaho's post "
            "about the Space); we have not found Blaho's code analysis itself."
        ),
        "evidence": [
            {
                "source": "readwrite",
                "stance": "supports",
                "excerpt": (
                    "Using authentication tokens—likely accessed through an early access program—they built "
                    "a frontend allowing users to generate videos with Sora."
                ),
            },
            {"source": "hf-space", "stance": "context", "note": "The Space whose code was analysed."},
            {"source": "article", "stance": "context", "excerpt": "Sora 模型直接接入了 OpenAI 的 API"},
        ],
    },
    {
        "key": "turbo-version",
        "quote": "泄露的版本可能是 OpenAI 所说的“turbo”版本",
        "text": "The leaked version of Sora was probably the faster 'turbo' version OpenAI had been preparing.",
        "claimant": "Tibor Blaho (AI developer), as reported by AI范儿",
        "tags": ["sora", "leak"],
        "verdict": "unverifiable",
        "status": "published",
        "explanation": (
            "OpenAI did launch a faster model called Sora Turbo on 9 December 2024, two weeks after the leak, which "
            "makes the guess plausible. But OpenAI never said which model the leaked page reached, and the guess "
            "rests on names seen in the leaked code. We cannot confirm it."
        ),
        "evidence": [
            {
                "source": "openai-sora-is-here",
                "stance": "context",
                "note": "OpenAI's launch post of 9 December 2024, which released Sora Turbo.",
            },
            {"source": "article", "stance": "context", "excerpt": "泄露的版本可能是 OpenAI 所说的“turbo”版本"},
        ],
    },
    {
        "key": "presets",
        "quote": "Sora 提供了多种预设风格，如“自然”模式，并且有不同的操作模式，例如“简单构图”",
        "text": (
            "Code from the leak showed Sora style presets such as 'natural' and working modes such as "
            "'simple composition'."
        ),
        "claimant": "Tibor Blaho (AI developer), as reported by AI范儿",
        "tags": ["sora", "leak"],
        "verdict": "unrated",
        "status": "draft",
        "explanation": "",
        "evidence": [
            {"source": "article", "stance": "context", "excerpt": "如“自然”模式"},
        ],
    },
    {
        "key": "february-preview",
        "quote": "OpenAI 在 2024 年 2 月首次展示了 Sora，但该公司尚未公开发布",
        "text": "OpenAI first showed Sora in February 2024 and has not released it to the public.",
        "claimant": ARTICLE_ITSELF,
        "tags": ["sora", "openai", "time-sensitive"],
        "verdict": "true",
        "status": "published",
        # Time-sensitive: on this date OpenAI released Sora, so the "not released" half went out of date.
        "recheck_after": "2024-12-09",
        "explanation": (
            "True when the article appeared on 27 November 2024: OpenAI announced Sora with sample videos in "
            "mid-February 2024 and had given access only to red teamers and selected creative testers. "
            "Time-sensitive: OpenAI released Sora to the public on 9 December 2024, so from then on the second half "
            "no longer holds and the claim is due for a recheck. Rests on OpenAI's preview and launch pages."
        ),
        "evidence": [
            {
                "source": "openai-sora",
                "stance": "supports",
                "note": "OpenAI's February 2024 announcement of Sora, then shared with red teamers and some artists.",
            },
            {
                "source": "openai-sora-is-here",
                "stance": "context",
                "note": "The public launch on 9 December 2024; after it the 'not released' half is out of date.",
            },
            {"source": "article", "stance": "context", "excerpt": "该公司尚未公开发布"},
        ],
    },
    {
        "key": "tim-brooks",
        "quote": "Sora 的联合负责人 Tim Brooks 在 10 月初离开 OpenAI 加盟谷歌",
        "text": "Tim Brooks, co-lead of Sora, left OpenAI to join Google in early October 2024.",
        "claimant": ARTICLE_ITSELF,
        "tags": ["sora", "openai", "people", "google"],
        "verdict": "true",
        "status": "published",
        "explanation": (
            "Brooks announced on 4 October 2024 that he was joining Google DeepMind to work on video generation and "
            "world simulators, after two years on Sora at OpenAI. Rests on his announcement as quoted by Outlook "
            "Business and the date given by AInvest."
        ),
        "evidence": [
            {
                "source": "outlookbusiness",
                "stance": "supports",
                "excerpt": "I will be joining @GoogleDeepMind to work on video generation and world simulators!",
            },
            {"source": "ainvest", "stance": "supports", "excerpt": "revealed on October 4th"},
            {"source": "article", "stance": "context", "excerpt": "Tim Brooks 在 10 月初离开 OpenAI 加盟谷歌"},
        ],
    },
    {
        "key": "ama-reasons",
        "quote": "需要不断完善模型，确保安全、模仿等问题得到妥善解决，并扩大计算能力",
        "text": (
            "OpenAI's chief product officer Kevin Weil said in a Reddit AMA that Sora was slow to arrive because the "
            "model needed refining, safety and impersonation issues had to be solved, and compute had to be scaled up."
        ),
        "claimant": "Kevin Weil (OpenAI chief product officer), as reported by AI范儿",
        "tags": ["sora", "openai", "people"],
        "verdict": "unrated",
        "status": "in_review",
        "explanation": (
            "Not yet rated. We could not confirm the address of the AMA thread from material we hold, so for now "
            "this cites only the article. The reviewer needs Weil's own words before giving a verdict."
        ),
        "evidence": [
            {"source": "article", "stance": "context", "excerpt": "确保安全、模仿等问题得到妥善解决"},
        ],
    },
    {
        "key": "open-source-alternatives",
        "quote": "包括 CogVideoX（来自中国公司智谱 AI）、Mochi 1、LTX Video 和 Pyramid Flow",
        "text": (
            "CogVideoX (from Zhipu AI), Mochi 1, LTX Video and Pyramid Flow are openly released video-generation "
            "models that artists can use instead of Sora."
        ),
        "claimant": PR_PUPPETS,
        "tags": ["open-source", "video-generation", "competitors"],
        "verdict": "true",
        "status": "published",
        "explanation": (
            "Each has a public code repository: CogVideoX from Tsinghua's THUDM group (its weights are also "
            "distributed under Zhipu AI's name), Mochi 1 from Genmo, LTX-Video from Lightricks, and Pyramid Flow. "
            "The CogVideoX, Mochi 1 and LTX-Video pages link to downloadable weights. Licences differ, so 'open' "
            "means openly available rather than one licence. Rests on the four repositories."
        ),
        "evidence": [
            {
                "source": "gh-cogvideo",
                "stance": "supports",
                "excerpt": "CogVideoX is an open-source version of the video generation model",
            },
            {
                "source": "gh-mochi",
                "stance": "supports",
                "excerpt": "Mochi 1 preview is an open state-of-the-art video generation model",
            },
            {
                "source": "gh-ltx-video",
                "stance": "supports",
                "excerpt": "This is the official repository for LTX-Video.",
            },
            {"source": "gh-pyramid-flow", "stance": "supports"},
            {"source": "article", "stance": "context", "excerpt": "CogVideoX（来自中国公司智谱 AI）"},
        ],
    },
    {
        "key": "rivals",
        "quote": "不仅有 Runway、Luma，还有来自中国的快手可灵、Minimax 海螺 AI、Vidu 等强劲对手",
        "text": (
            "Runway, Luma, Kuaishou's Kling, MiniMax's Hailuo AI and Vidu offer video generators that compete "
            "with Sora."
        ),
        "claimant": ARTICLE_ITSELF,
        "tags": ["competitors", "video-generation"],
        "verdict": "unrated",
        "status": "draft",
        "explanation": "",
        "evidence": [
            {"source": "article", "stance": "context", "excerpt": "快手可灵、Minimax 海螺 AI、Vidu"},
        ],
    },
    {
        "key": "amazon-anthropic",
        "quote": "Amazon 追加 40 亿美元投资",
        "text": "Amazon invested an additional $4 billion in Anthropic.",
        "claimant": ARTICLE_ITSELF,
        "value": "4000000000",
        "unit": "USD",
        "tags": ["anthropic", "amazon", "funding"],
        "verdict": "true",
        "status": "published",
        "explanation": (
            "Announced on 22 November 2024: a further $4 billion from Amazon on top of the $4 billion agreed in "
            "2023, $8 billion in all, with AWS as Anthropic's main training partner. Rests on Anthropic's "
            "announcement and on reports by The Decoder and Quartz."
        ),
        "evidence": [
            {
                "source": "anthropic-amazon",
                "stance": "supports",
                "note": "Anthropic's announcement of the expanded collaboration with Amazon, 22 November 2024.",
            },
            {
                "source": "qz",
                "stance": "supports",
                "excerpt": (
                    "Amazon is following up on its $4 billion investment in artificial intelligence startup "
                    "Anthropic with another $4 billion."
                ),
            },
            {"source": "the-decoder", "stance": "supports", "excerpt": "bringing its total investment to $8 billion"},
            {"source": "article", "stance": "context", "excerpt": "Amazon 追加 40 亿美元投资"},
        ],
    },
    {
        "key": "output-approval",
        "quote": "所有 Sora 生成的内容在公开分享前都必须经过 OpenAI 的审核",
        "text": "Early testers had to get OpenAI's approval for every Sora video before sharing it publicly.",
        "claimant": PR_PUPPETS,
        "tags": ["sora", "openai", "artists"],
        "verdict": "unrated",
        "status": "in_review",
        "explanation": (
            "Not yet rated. This rests only on the protest group's letter as relayed by the article; we have not "
            "seen OpenAI's early-access terms. Needs a primary source before a verdict."
        ),
        "evidence": [
            {"source": "article", "stance": "context", "excerpt": "在公开分享前都必须经过 OpenAI 的审核"},
        ],
    },
    {
        "key": "anthropic-overtook-openai",
        "quote": "最终赶上并超越了 OpenAI",
        "text": "Anthropic has caught up with and overtaken OpenAI.",
        "claimant": ARTICLE_ITSELF,
        "tags": ["anthropic", "openai", "opinion"],
        "verdict": "unverifiable",
        "status": "retracted",
        "retraction_note": (
            "Retracted: 'overtaken' has no agreed measure, so this is the author's opinion, not a checkable claim."
        ),
        "explanation": (
            "Retracted. We first published this as though it could be checked, but 'overtaken' has no agreed "
            "measure (benchmarks, revenue and user numbers point different ways), so it is the author's opinion "
            "rather than a checkable statement. The checkable fact next to it, Amazon's extra $4 billion, is "
            "checked separately."
        ),
        "evidence": [
            {"source": "article", "stance": "context", "excerpt": "最终赶上并超越了 OpenAI"},
        ],
    },
]
