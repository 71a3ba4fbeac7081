"""The desk's five pages as they start, in English and Simplified Chinese, along the IFCN Code of Principles
(non-partisanship and fairness, transparency of sources, of funding and organisation, of methodology, and an open
and honest corrections policy). Staff edit them in the admin; this only creates the pages that do not exist yet,
so running it again never overwrites their edits."""

from django.db import migrations

from claims.groups import sync_groups

ABOUT_EN = """We are an independent fact-checking desk. We check claims that people in public life, and posts that
spread widely, make about facts: figures, events, quotes, science and the law. We do not check opinions or
predictions.

## What we stand for

- **Non-partisanship and fairness.** We apply the same standard to every claim, whoever makes it. We do not take
  sides on policy, support any party or candidate, or let who funds us choose what we check.
- **Sources you can follow.** Every fact-check lists the sources it relies on, with the passage we read in each,
  so you can check our work. When a source page disappears we link to an archived copy.
- **Open about who we are.** Who funds us and who owns us is on the [funding page](/about/funding/).
- **Open about how we work.** How we choose claims, check them and rate them is on the
  [methodology page](/about/methodology/).
- **Open about our mistakes.** When we get something wrong we correct it in public, as our
  [corrections policy](/about/corrections-policy/) says. Every correction is listed on [the corrections log](/corrections/).

## What you can do

- Read [our fact-checks](/claims/).
- [Send us a claim](/tips/) you want checked, or report an error in one of ours.
- [Contact us](/about/contact/).
"""

ABOUT_ZH = """我们是一个独立的事实核查团队。我们核查公众人物的言论和广泛流传的帖子中关于事实的说法：数字、事件、引语、科学和法律。我们不核查观点或预测。

## 我们的原则

- **不偏不倚，公平公正。** 无论说法出自谁，我们都用同一标准核查。我们不在政策问题上选边站，不支持任何政党或候选人，也不让资助方决定我们核查什么。
- **来源可追溯。** 每篇核查都列出所依据的来源以及我们引用的段落，方便您复核。来源网页失效时，我们会链接到存档副本。
- **公开我们是谁。** 资助方和所有权信息见[资金来源页面](/about/funding/)。
- **公开我们如何工作。** 我们如何选择、核查和评定说法，见[核查方法页面](/about/methodology/)。
- **公开我们的错误。** 出错时我们公开更正，详见[更正政策](/about/corrections-policy/)。所有更正都列在[更正记录](/corrections/)中。

## 您可以

- 阅读[我们的核查报道](/claims/)。
- [向我们提交](/tips/)您希望核查的说法，或报告我们核查中的错误。
- [联系我们](/about/contact/)。
"""

METHODOLOGY_EN = """## How we choose what to check

We check claims about facts that can be proven or disproven with evidence. We choose among them by how widely a
claim has spread, how much harm it could do if it is wrong, and how often readers ask us about it through
[the tip form](/tips/). We look at claims from every side of a debate with the same care.

## How we check

1. We write down the claim in plain words, and record the original quote in its own language, who said it, where
   and when.
2. We look for the best available evidence: official data, documents, peer-reviewed research and people with first-hand
   knowledge. We contact the person or organisation who made the claim when we can.
3. Every source we rely on is listed on the fact-check with its stance (it supports the claim, refutes it, or gives
   context) and the passage we rely on. We check regularly that each source is still online and that the passage
   is still there; when a page disappears we show an archived copy.
4. A second reviewer reads the fact-check before it is published. A fact-check is only published with a rating, an
   explanation and at least one source.

## Our ratings

- **True**: the claim is accurate and nothing important is missing.
- **Mostly true**: the claim is accurate but needs a clarification or some added context.
- **Mixed**: the claim is partly accurate and partly inaccurate.
- **Mostly false**: the claim contains an element of truth but ignores facts that would give a different impression.
- **False**: the claim is inaccurate.
- **Misleading**: the facts in the claim may be accurate, but they are presented in a way that leads to a wrong
  conclusion.
- **Unverifiable**: the available evidence can neither prove nor disprove the claim.
- **Unrated**: we have not rated the claim yet; published fact-checks always carry one of the ratings above.

We show other fact-checkers' ratings of the same claim beside ours when we know of them, even when they differ.

## When we change a rating

If new evidence comes to light or we find an error, we update the fact-check and say so publicly, as our
[corrections policy](/about/corrections-policy/) describes.
"""

METHODOLOGY_ZH = """## 我们如何选择核查对象

我们核查能用证据证实或证伪的事实性说法。我们根据说法的传播范围、如果错误可能造成的危害，以及读者通过[线索表单](/tips/)询问的次数来选择。对于争议各方的说法，我们一视同仁、同样审慎。

## 我们如何核查

1. 用平实的语言写明要核查的说法，并以原文语言记录原始引语、说话人、时间和地点。
2. 寻找最可靠的证据：官方数据、文件、经同行评审的研究以及掌握第一手信息的人。条件允许时，我们会联系提出该说法的个人或机构。
3. 我们依据的每个来源都会在核查报道中列出，注明其立场（支持、反驳该说法，或提供背景）以及我们依据的段落。我们定期检查来源是否仍可访问、引用段落是否仍在；网页失效时，我们会展示存档副本。
4. 每篇核查在发布前由第二位审核人阅读。核查报道必须有评级、解释和至少一个来源才能发布。

## 我们的评级

- **正确**：说法准确，没有遗漏重要信息。
- **基本正确**：说法准确，但需要澄清或补充一些背景。
- **部分正确**：说法部分准确，部分不准确。
- **基本错误**：说法含有一定事实成分，但忽略了会带来不同印象的事实。
- **错误**：说法不准确。
- **误导**：说法中的事实可能准确，但其呈现方式会使人得出错误结论。
- **无法核实**：现有证据既无法证实也无法证伪该说法。
- **未评级**：我们尚未评定该说法；已发布的核查报道都带有上述评级之一。

如果我们知道其他事实核查机构对同一说法的评级，即使与我们不同，也会一并展示。

## 我们何时更改评级

如果出现新证据或发现错误，我们会更新核查报道并公开说明，详见[更正政策](/about/corrections-policy/)。
"""

CORRECTIONS_EN = """We try hard to get every fact-check right, and we say so openly when we do not.

## What we correct, and how it shows

- **A changed rating or a retraction** always carries a public note that says what changed and why. The note is
  shown on the fact-check itself and on [the corrections log](/corrections/), newest first, with the date.
- **A retracted fact-check** stays online, marked as retracted, with the note that explains why; we do not quietly
  delete our work.
- **Other changes to the explanation** that alter its meaning are logged the same way. Small edits that do not change
  the meaning (a typo, a broken link replaced) are logged as "updated".
- We never change what a fact-check said without leaving a trace of the change.

## How to report an error

Every fact-check has a "report an error" link that opens [the tip form](/tips/) for that fact-check. Tell us what
you think is wrong and, if you can, a source that shows it. You can leave an email address if you want an answer;
it is never published.

## What happens next

A reviewer reads every report, usually within two working days. If we find that we made a mistake, we correct the
fact-check as described above. If we do not agree, we write back when you left an address and tell you why.

See also our [methodology](/about/methodology/) and [how to contact us](/about/contact/).
"""

CORRECTIONS_ZH = """我们力求每篇核查准确无误；出错时，我们会公开说明。

## 我们更正什么，如何呈现

- **评级变更或撤回**一律附有公开说明，写明改了什么、为什么改。说明会显示在该核查报道上，同时按时间倒序、注明日期列入[更正记录](/corrections/)。
- **被撤回的核查报道**仍保留在网站上，标注为已撤回，并附上原因说明；我们不会悄悄删除自己的报道。
- **对解释部分的修改**如果改变了含义，也以同样方式记录。不改变含义的小修改（如错别字、替换失效链接）记录为"已更新"。
- 我们修改核查内容时，一定会留下修改记录。

## 如何报告错误

每篇核查报道都有"报告错误"链接，会打开针对该报道的[线索表单](/tips/)。请告诉我们您认为哪里有误，如有可能，请附上能说明问题的来源。如果希望得到回复，可以留下电子邮箱；邮箱绝不会公开。

## 之后会怎样

审核人会阅读每一份报告，通常在两个工作日内。如果确认我们出了错，会按上述方式更正。如果我们不认同，而您留下了邮箱，我们会回信说明理由。

另请参阅我们的[核查方法](/about/methodology/)和[联系方式](/about/contact/)。
"""

FUNDING_EN = """Readers should know who pays for our work and who controls it, so they can judge our independence
for themselves.

## Who funds us

We list here every organisation or person that gives us 5% or more of our income in a year, with the amount or
its share, and we update the list each year. No funder has any say in what we check or what we conclude.

*The desk completes this list before the site opens to readers.*

## Who owns and runs us

Our legal form, the people who own or govern the desk, and the editor responsible for what we publish are listed
here, with any ties to a political party, a government or a company whose claims we might check.

*The desk completes this section before the site opens to readers.*

## Our commitments

We take no money that comes with conditions on our editorial choices, and we say so on the fact-check whenever
we check a claim by someone who funds us. Read more [about us](/about/) and our [methodology](/about/methodology/).
"""

FUNDING_ZH = """读者应当知道谁为我们的工作出资、谁掌控我们，以便自行判断我们是否独立。

## 资金来源

凡在一年中提供我们收入5%或以上的机构或个人，我们都在此列出，注明金额或所占比例，并每年更新。任何资助方都无权干预我们核查什么或得出什么结论。

*本团队会在网站正式面向读者之前补全此列表。*

## 所有权与管理

我们的法律形式、拥有或管理本团队的人员、对发布内容负责的编辑，以及与政党、政府或我们可能核查其说法的公司之间的任何关联，都在此列出。

*本团队会在网站正式面向读者之前补全此部分。*

## 我们的承诺

我们不接受附带编辑条件的资金；如果我们核查的说法出自我们的资助方，会在该核查报道中注明。了解更多[关于我们](/about/)的信息和我们的[核查方法](/about/methodology/)。
"""

CONTACT_EN = """## Send us a claim, or report an error

The quickest way to reach the desk is [the tip form](/tips/): send a claim you want us to check, or use the
"report an error" link on any fact-check to tell us what we got wrong. Our
[corrections policy](/about/corrections-policy/) says what happens next.

## Other questions

For anything else (press, partnerships, a question about our [funding](/about/funding/)), write to the editor
responsible for the desk.

*The desk adds its email and postal address here before the site opens to readers.*

We do not publish the email addresses readers give us, and we keep no record of your IP address when you use the
tip form.
"""

CONTACT_ZH = """## 提交说法或报告错误

联系本团队最快的方式是[线索表单](/tips/)：提交您希望我们核查的说法，或使用任一核查报道上的"报告错误"链接告诉我们哪里有误。之后的处理方式见我们的[更正政策](/about/corrections-policy/)。

## 其他问题

其他事务（媒体采访、合作、关于我们[资金来源](/about/funding/)的问题），请联系本团队的负责编辑。

*本团队会在网站正式面向读者之前在此补充电子邮箱和通信地址。*

我们不会公开读者留下的电子邮箱；您使用线索表单时，我们也不会记录您的IP地址。
"""

PAGES = [
    ("about", "en", "About us", ABOUT_EN),
    ("about", "zh-hans", "关于我们", ABOUT_ZH),
    ("methodology", "en", "Methodology", METHODOLOGY_EN),
    ("methodology", "zh-hans", "核查方法", METHODOLOGY_ZH),
    ("corrections-policy", "en", "Corrections policy", CORRECTIONS_EN),
    ("corrections-policy", "zh-hans", "更正政策", CORRECTIONS_ZH),
    ("funding", "en", "Funding and ownership", FUNDING_EN),
    ("funding", "zh-hans", "资金来源与所有权", FUNDING_ZH),
    ("contact", "en", "Contact", CONTACT_EN),
    ("contact", "zh-hans", "联系我们", CONTACT_ZH),
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("public", "Page")
    for slug, language, title, body in PAGES:
        Page.objects.get_or_create(slug=slug, language=language, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [
        ("public", "0001_pages_and_tips"),
    ]

    operations = [
        migrations.RunPython(create_pages, migrations.RunPython.noop),
        # Reviewers edit pages and handle tips (claims.groups.REVIEWER_ONLY).
        migrations.RunPython(sync_groups, migrations.RunPython.noop),
    ]
