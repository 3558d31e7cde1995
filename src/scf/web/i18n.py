"""A small message catalogue (Chinese and English) and money formatted per locale."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal

from scf.core.money import Money

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
BABEL_LOCALE = {"zh": "zh_CN", "en": "en_US"}

# key: (Chinese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("供应链金融公共服务平台", "Supply chain finance platform"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "language": ("语言", "Language"),
    "registry": ("公示登记查询", "Public registry search"),
    "home": ("首页", "Home"),
    "receivables": ("应收账款", "Receivables"),
    "authenticity": ("真实性评分", "Authenticity"),
    "reasons": ("原因代码", "Reason codes"),
    "counterparty": ("交易对手", "Counterparty"),
    "amount": ("金额", "Amount"),
    "confirmed": ("已确权", "Confirmed"),
    "due": ("到期日", "Due"),
    "status": ("状态", "Status"),
    "certificates_held": ("持有的应付凭证", "Certificates held"),
    "certificate": ("凭证", "Certificate"),
    "piece": ("凭证份额", "Piece"),
    "tier": ("层级", "Tier"),
    "from": ("来自", "From"),
    "lineage": ("流转路径", "Lineage"),
    "apply_financing": ("申请融资", "Apply for financing"),
    "institution": ("金融机构", "Institution"),
    "rate": ("年利率", "Annual rate"),
    "submit": ("提交", "Submit"),
    "offers": ("融资报价对比", "Compare offers"),
    "scenario": ("融资场景", "Scenario"),
    "asset": ("融资资产", "Asset"),
    "fee": ("手续费", "Fee"),
    "waiting_offers": ("等待金融机构报价", "Waiting for offers"),
    "cash": ("自有资金", "Cash offered"),
    "hurdle_rate": ("最低年化收益率", "Hurdle rate"),
    "pay_on": ("提前付款日", "Pay on"),
    "bids": ("供应商报价", "Bids"),
    "open_program": ("发起提前付款计划", "Open a programme"),
    "clear_program": ("出清", "Clear"),
    "discount_earned": ("折扣收益", "Discount earned"),
    "make_offer": ("报价", "Make an offer"),
    "checks": ("自动检查", "Automatic checks"),
    "debtor": ("债务人", "Debtor"),
    "price": ("价格", "Price"),
    "proceeds": ("到账金额", "Proceeds"),
    "days": ("天数", "Days"),
    "consents": ("数据授权", "Consents"),
    "grant": ("授权", "Grant"),
    "revoke": ("撤销", "Revoke"),
    "scopes": ("范围", "Scopes"),
    "expires": ("到期", "Expires"),
    "pending_confirmations": ("待确权应付账款", "Payables to confirm"),
    "confirm_selected": ("批量确权", "Confirm selected"),
    "issue_certificate": ("签发应付凭证", "Issue a certificate"),
    "line": ("授信额度", "Credit line"),
    "supplier": ("供应商", "Supplier"),
    "receivable": ("应收账款", "Receivable"),
    "face": ("面额", "Face value"),
    "maturity": ("到期日", "Maturity"),
    "issued_certificates": ("已签发凭证", "Issued certificates"),
    "early_payment": ("提前付款计划", "Early-payment program"),
    "early_payment_none": (
        "尚无提前付款计划。",
        "No early-payment programme yet.",
    ),
    "upcoming_settlements": ("即将到期兑付", "Upcoming settlements"),
    "holders": ("持有人数", "Holders"),
    "unpaid": ("未付", "Unpaid"),
    "incoming": ("待审融资申请", "Incoming applications"),
    "risk_view": ("风险视图", "Risk view"),
    "score": ("评分", "Score"),
    "findings": ("图谱发现", "Graph findings"),
    "conflicts": ("登记冲突", "Registry conflicts"),
    "no_consent": ("未获授权", "no consent"),
    "accept": ("接受", "Accept"),
    "decline": ("拒绝", "Decline"),
    "portfolio": ("资产组合", "Portfolio"),
    "exposure": ("敞口", "Exposure"),
    "cap": ("限额", "Cap"),
    "headroom": ("剩余额度", "Headroom"),
    "confirm_goods": ("确认仓单货物", "Confirm goods in stock"),
    "commodity": ("品名", "Commodity"),
    "grade": ("等级", "Grade"),
    "location": ("库位", "Location"),
    "quantity": ("数量", "Quantity"),
    "unit": ("单位", "Unit"),
    "lot": ("批次", "Lot"),
    "holder": ("货权人", "Holder"),
    "confirm_delivery": ("确认运单", "Confirm a delivery"),
    "waybill": ("运单号", "Waybill number"),
    "order_number": ("订单号", "Order number"),
    "seller": ("卖方", "Seller"),
    "buyer": ("买方", "Buyer"),
    "date": ("日期", "Date"),
    "dashboard": ("监管驾驶舱", "Supervision dashboard"),
    "alerts": ("预警", "Alerts"),
    "lists": ("名单管理", "Lists"),
    "enterprises": ("企业穿透", "Enterprises"),
    "search": ("查询", "Search"),
    "sme_volume": ("中小企业融资额", "SME financing volume"),
    "by_district": ("按区", "By district"),
    "by_chain": ("按产业链", "By chain"),
    "by_institution": ("按机构", "By institution"),
    "by_tier": ("按层级", "By tier"),
    "series": ("月度趋势", "Monthly trend"),
    "reach": ("信用穿透层级", "Deepest tier reached"),
    "avg_rate": ("加权平均利率", "Weighted average rate"),
    "decision_hours": ("审批时长(小时)", "Hours to decision"),
    "green_channel": ("绿色通道", "Green channel"),
    "standard": ("普通", "Standard"),
    "overdue_rate": ("逾期率", "Overdue rate"),
    "default_rate": ("违约率", "Default rate"),
    "open_alerts": ("未结预警", "Open alerts"),
    "exports": ("导出", "Exports"),
    "monthly_report": ("月度报告", "Monthly report"),
    "sharing": ("信息共享文件", "Information-sharing file"),
    "assign": ("指派", "Assign"),
    "assignee": ("经办人", "Assignee"),
    "note": ("备注", "Note"),
    "resolve": ("办结", "Resolve"),
    "resolution": ("办结说明", "Resolution"),
    "source": ("来源", "Source"),
    "kind": ("类型", "Kind"),
    "summary": ("摘要", "Summary"),
    "enterprise": ("企业", "Enterprise"),
    "white_list": ("白名单", "White list"),
    "black_list": ("黑名单", "Black list"),
    "red_list": ("红名单", "Red list"),
    "licence": ("牌照", "Licence"),
    "reason": ("原因", "Reason"),
    "listed_on": ("列入日期", "Listed on"),
    "enforcement": ("惩戒/激励措施", "Enforcement"),
    "effects": ("效果", "Effects"),
    "financings_after": ("列入后融资笔数", "Financings after listing"),
    "add_entry": ("列入名单", "Add a list entry"),
    "lift": ("移出", "Lift"),
    "graph": ("关联图谱", "Graph"),
    "grantor_name": ("出质人/转让人名称", "Grantor name"),
    "grantor_uscc": ("统一社会信用代码", "Grantor USCC"),
    "results": ("结果", "Results"),
    "download_certificate": ("下载查询证明", "Download the search certificate"),
    "proof_checker": ("证明校验", "Proof checker"),
    "paste_certificate": ("粘贴查询证明 JSON", "Paste a search certificate (JSON)"),
    "check": ("校验", "Check"),
    "valid": ("有效：签名与登记日志一致", "Valid: the signature matches the registry's key"),
    "invalid": ("无效：签名不符或内容被改动", "Invalid: the signature does not match"),
    "log_head": ("登记日志树头", "Registry log head"),
    "number": ("登记编号", "Number"),
    "secured_party": ("质权人/受让人", "Secured party"),
    "saved": ("已保存", "Saved"),
    "forbidden": ("无权访问此页面", "You may not open this page"),
    "none": ("暂无", "None"),
    "select": ("选择", "Select"),
    "name": ("名称", "Name"),
    "district": ("区", "District"),
    "open": ("未处理", "Open"),
    "assigned": ("处理中", "Assigned"),
    "resolved": ("已办结", "Resolved"),
}


def translate(lang: str, key: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def money(lang: str, value: Money | dict[str, Any] | None) -> str:
    """Format money for the locale from exact decimals (Money or {"amount", "currency"})."""
    if value is None:
        return "–"
    if isinstance(value, Money):
        amount, ccy = value.amount, value.currency
    else:
        amount, ccy = Decimal(str(value["amount"])), str(value["currency"])
    return format_currency(amount, ccy, locale=BABEL_LOCALE.get(lang, "zh_CN"))


def percent(lang: str, value: Any) -> str:
    """A rate such as 0.036 as 3.6%."""
    if value is None:
        return "–"
    return format_decimal(Decimal(str(value)) * 100, "#,##0.00##", locale=BABEL_LOCALE[lang]) + "%"
