# ruff: noqa: E501 - lines of Chinese words are measured in display width
"""Vocabulary for the generated claims: news-desk words in Chinese and English.

Common words are drawn with Zipf weights; the words the benchmark searches for are drawn with fixed
probabilities, so their number of matches scales with the data (about 1,000 rows contain 渲染 at 1M claims,
as in the figures measured on this machine).
"""

ZH_COMMON = """
政府 表示 经济 增长 公司 发布 报告 数据 显示 市场 今年 去年 全国 国家 城市 发展 问题 计划 项目 投资
企业 技术 研究 人员 记者 消息 社会 工作 影响 情况 媒体 网络 平台 用户 视频 网友 官方 部门 地方 政策
疫苗 医院 病例 感染 健康 学校 学生 教育 考试 房价 房地产 银行 利率 通胀 物价 工资 就业 失业 人口 出生率
能源 电力 石油 天然气 新能源 汽车 电动车 电池 芯片 半导体 手机 人工智能 模型 算法 软件 系统 服务器 数据中心 云计算 互联网
安全 隐私 泄露 诈骗 谣言 事实 核查 真相 证据 来源 文件 图片 照片 截图 声明 采访 官员 部长 总统 总理
议员 选举 投票 民调 支持 反对 候选人 政党 议会 法律 法院 判决 警方 逮捕 调查 事故 火灾 地震 洪水 台风
气候 变暖 温度 排放 碳 环境 污染 空气 水源 农业 粮食 价格 出口 进口 关税 贸易 美国 中国 日本 韩国
欧洲 英国 德国 法国 俄罗斯 乌克兰 印度 台湾 香港 上海 北京 深圳 广州 东京 首尔 伦敦 纽约 世界 国际 全球
亿 万 美元 人民币 百分之 增加 减少 下降 上升 超过 达到 首次 创下 纪录 历史 最高 最低 平均 每年 每月
称 指出 认为 强调 宣布 否认 承认 澄清 回应 网传 流传 转发 声称 据说 实际上 但是 因为 所以 如果 虽然
已经 正在 将会 可能 没有 不是 只是 一些 所有 许多 部分 其中 目前 近日 日前 此前 之后 同时 另外 并且 以及
时间 速度 性能 效率 成本 质量 标准 规定 要求 措施 方案 结果 原因 目标 能力 水平 规模 比例 数量 程度
游戏 显卡 画面 分辨率 帧率 引擎 开发者 玩家 版本 更新 测试 发布会 产品 功能 设备 屏幕 相机 像素 存储 内存
科学家 专家 学者 教授 医生 研究所 大学 实验 论文 期刊 样本 统计 分析 结论 证明 说明 表明 发现 提出 解释
""".split()

EN_COMMON = """
the of and to in a is that for on said it was with as by at from this be have has are were will not
government report data shows market year last country city growth company released percent million billion
people official minister president prime claim claims according study research researchers new since more than
economy inflation prices wages jobs unemployment population births energy power oil gas electric cars battery
chips semiconductor phone artificial intelligence model algorithm software system servers cloud internet security
privacy leak fraud rumor fact check truth evidence source document photo image video screenshot statement interview
election vote poll support oppose candidate party parliament law court ruling police arrested investigation accident
fire earthquake flood storm climate warming temperature emissions carbon environment pollution air water farming
food exports imports tariffs trade united states china japan korea europe britain germany france russia ukraine
india taiwan hong kong shanghai beijing london new york world global increase decrease fell rose exceeded reached
first record highest lowest average every month week days hours however because therefore although already
currently expected could would should about nearly almost over under between during after before while also
time speed performance efficiency cost quality standard rules measures plan result reason target capacity level
scale share number game graphics frames resolution engine developers players version update test launch product
feature device screen camera pixels storage memory scientists experts professor doctors university experiment
paper journal sample statistics analysis conclusion proves shows found proposed explained viral post shared online
users platform social media network posted widely misleading context missing cropped edited old actually only
health hospital cases infections vaccine schools students education exam housing bank rates interest tax budget
spending debt deficit military army border refugees migrants crime murder rate cities rural urban county state
""".split()

# Spanish, French, German and Portuguese claims (a tenth of the non-Chinese half each). No word here shares a stem
# with the words searched for below (no vacun*, déclar*, Impfstoff*, inform*), so each query's truth is its list.
ES_COMMON = """
el la los las de del y en que un una por para con no se es son fue según gobierno datos reporte país ciudad
año años millones por ciento presidente ministro elecciones votos encuesta partido ley tribunal policía salud
hospital casos escuelas estudiantes precios salarios empleo economía energía petróleo coches baterías teléfono
internet redes sociales usuarios video foto imagen falso engañoso verdadero contexto publicación viral mensaje
afirma dijo aseguró negó desmintió circula difundió estudio científicos expertos médicos universidad
""".split()
FR_COMMON = """
le la les de des du et en que un une pour par avec ne pas est sont était selon gouvernement données rapport pays
ville année ans millions pour cent président ministre élections votes sondage parti loi tribunal police santé
hôpital cas écoles élèves prix salaires emploi économie énergie pétrole voitures batteries téléphone internet
réseaux sociaux utilisateurs vidéo photo image faux trompeur vrai contexte publication virale message affirme
dit assure nie dément circule partagé étude scientifiques experts médecins université
""".split()
DE_COMMON = """
der die das den dem des und in im mit von zu für auf ist sind war nicht ein eine laut Regierung Daten Bericht Land
Stadt Jahr Jahren Millionen Prozent Präsident Minister Wahlen Stimmen Umfrage Partei Gesetz Gericht Polizei
Gesundheit Krankenhaus Fälle Schulen Schüler Preise Löhne Arbeit Wirtschaft Energie Öl Autos Batterien Telefon
Internet soziale Netzwerke Nutzer Video Foto Bild falsch irreführend wahr Kontext Beitrag viral Nachricht behauptet
sagte versichert bestreitet kursiert geteilt Studie Wissenschaftler Experten Ärzte Universität
""".split()
PT_COMMON = """
o a os as de do da e em que um uma por para com não se é são foi segundo governo dados relatório país cidade ano
anos milhões por cento presidente ministro votos pesquisa partido lei tribunal polícia saúde hospital casos
escolas estudantes preços salários emprego economia energia petróleo carros baterias telefone internet redes
sociais usuários vídeo foto imagem falso enganoso verdadeiro contexto publicação viral mensagem afirma disse
garantiu negou desmentiu circula compartilhado estudo cientistas especialistas médicos universidade
""".split()

# Words the benchmark searches for, with a fixed chance per drawn word.
ZH_RARE = {
    "渲染": 4.2e-5,
    "处理时间": 3.0e-5,
    "亿美元": 2.0e-4,
    "OpenAI": 6.0e-5,
    "光线追踪": 2.0e-5,
}
EN_RARE = {
    "render": 3.0e-5,
    "rendering": 3.0e-5,
    "rendered": 2.0e-5,
    "renders": 1.0e-5,
    "1080p": 3.0e-5,
    "OpenAI": 6.0e-5,
}

# Each language's searched word and its inflected forms (bench/run.py's LANGUAGE_QUERIES lists the same forms).
ES_RARE = {"vacuna": 2.0e-4, "vacunas": 2.0e-4}
FR_RARE = {"déclaration": 2.0e-4, "déclarations": 2.0e-4}
DE_RARE = {"Impfstoff": 1.5e-4, "Impfstoffe": 1.0e-4, "Impfstoffs": 5.0e-5, "Impfstoffen": 5.0e-5}
PT_RARE = {"informação": 2.0e-4, "informações": 2.0e-4}

ZH_CLAIMANTS = """
网传消息 某网红 微博用户 抖音视频 市政府发言人 卫生部门 教育局 某上市公司 外交部发言人 某议员 某专家 某医生
自媒体账号 网络文章 某博主 新闻发布会 官方媒体 某研究机构 某基金会 匿名网友 某游戏公司 某汽车厂商
""".split()
EN_CLAIMANTS = """
Viral-post Facebook-user Senator-Smith Governor-Jones the-White-House a-campaign-ad Twitter-user TikTok-video
a-blog-post the-mayor a-city-council-member an-advocacy-group a-news-anchor a-tech-CEO a-health-official
a-chain-email a-podcast-host an-online-article a-game-studio an-automaker Representative-Lee Minister-Brown
""".split()

ZH_OUTLETS = [
    "新华网",
    "人民网",
    "澎湃新闻",
    "财新网",
    "联合早报",
    "BBC中文",
    "端传媒",
    "新京报",
    "界面新闻",
    "南方周末",
]
EN_OUTLETS = [
    "Reuters",
    "AP News",
    "BBC News",
    "The Guardian",
    "PolitiFact",
    "Full Fact",
    "AFP",
    "NPR",
    "Snopes",
    "The Verge",
    "Ars Technica",
    "Le Monde English",
]

TAGS = [
    "health",
    "covid",
    "vaccines",
    "economy",
    "inflation",
    "elections",
    "climate",
    "energy",
    "technology",
    "ai",
    "games",
    "crime",
    "immigration",
    "education",
    "housing",
    "foreign-policy",
    "military",
    "science",
    "media",
    "social-media",
    "china",
    "united-states",
    "europe",
    "japan",
    "taiwan",
    "hong-kong",
    "ukraine",
    "russia",
    "india",
    "statistics",
    "images",
    "video",
    "satire",
    "scams",
    "privacy",
    "transport",
    "food",
    "water",
    "weather",
    "sports",
    "celebrities",
    "business",
    "trade",
    "tax",
    "budget",
    "labour",
    "pensions",
    "law",
    "courts",
    "police",
    "religion",
    "history",
    "space",
    "animals",
    "disasters",
    "cars",
    "phones",
    "chips",
]

# Words a search for "render" must match (every English word in the data that contains "render"),
# so that substring matching is the right truth for it; and no common word shares a stem with a searched one.
for _word in EN_COMMON:
    assert "render" not in _word, _word
for _word in EN_COMMON + ES_COMMON + FR_COMMON + DE_COMMON + PT_COMMON:
    for _stem in ("vacun", "declar", "déclar", "impfstoff", "inform"):
        assert _stem not in _word.lower(), _word
