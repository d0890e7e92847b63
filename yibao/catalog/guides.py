"""What a service guide shows, shared by the web page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass

from yibao.catalog.editorial import public_notes, public_text
from yibao.catalog.models import Item

CHANNEL_LABELS = {
    "window": "窗口办理",
    "online_hall": "网上服务大厅",
    "wechat": "微信公众号",
    "app": "手机 App",
    "hospital": "定点医院医保科",
    "post_station": "医保驿站",
    "mail": "邮寄",
    "phone": "电话",
}
APPLICANT_LABELS = {"person": "个人", "unit": "单位", "institution": "定点医药机构"}


@dataclass(frozen=True)
class MaterialView:
    name: str
    copies: str | None
    form: str | None
    note: str | None
    commitment_alternative: str | None
    optional: bool
    conditions: dict

    @property
    def full_name(self) -> str:
        text = self.name
        if self.copies:
            text += f"（{self.copies}）"
        if self.form:
            text += f" [参考样表{self.form}]"
        if self.optional:
            text += "（可选）"
        if self.commitment_alternative:
            text += f"；无法提供的可以{self.commitment_alternative}代替"
        if self.note:
            text += f"。{self.note}"
        return text

    @property
    def conditions_text(self) -> str:
        c = self.conditions
        parts = []
        if c.get("applicant_kinds"):
            parts.append("申请人：" + "、".join(APPLICANT_LABELS[k] for k in c["applicant_kinds"]))
        if c.get("unit_types"):
            parts.append("单位类型：" + "、".join(c["unit_types"]))
        if c.get("special_groups"):
            parts.append("特殊人群：" + "、".join(c["special_groups"]))
        if c.get("situations"):
            parts.append("情形：" + "、".join(c["situations"]))
        if c.get("proxy"):
            parts.append("委托办理时")
        return "；".join(parts)


@dataclass
class GuideView:
    item: Item
    city_name: str
    source_title: str
    version_number: int

    @classmethod
    def of(cls, item: Item) -> GuideView:
        version = item.version
        return cls(item, version.region.name, version.source_title, version.number)

    @property
    def data(self) -> dict:
        return self.item.data

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def steps(self) -> list[str]:
        return list(self.item.steps)

    @property
    def materials(self) -> list[MaterialView]:
        return [
            MaterialView(
                name=m["name"], copies=m.get("copies"), form=m.get("form"),
                note=public_text(m.get("note")) or None,
                commitment_alternative=m.get("commitment_alternative"),
                optional=m.get("optional", False), conditions=m.get("conditions", {}),
            )
            for m in self.data.get("materials", [])
        ]

    def facts(self) -> list[tuple[str, str]]:
        d = self.data
        rows = [("事项名称", self.name)]
        if self.item.code:
            rows.append(("事项编码", self.item.code))
        if self.item.national_item and self.item.national_item != self.item.code:
            rows.append(("对应国家子项", self.item.national_item))
        if self.item.parent:
            rows.append(("所属主项", self.item.parent.name))
        rows.append(("事项类别", f"{self.item.category.number}. {self.item.category.name}"))
        if d.get("target"):
            rows.append(("服务对象", d["target"]))
        if self.item.time_limit_text:
            rows.append(("办理时限", self.item.time_limit_text))
        if self.steps:
            rows.append(("办理环节", "—".join(self.steps)))
        if d.get("tongban"):
            tb = d["tongban"]
            text = f"{tb['scope']}通办"
            if tb.get("completion"):
                text += f"（{tb['completion']}完成）"
            if tb.get("retention"):
                text += f"；{tb['retention']}"
            rows.append(("通办范围", text))
        if d.get("forms"):
            rows.append(("参考样表", "、".join(d["forms"])))
        if d.get("supervision_phones"):
            rows.append(("监督电话", "、".join(d["supervision_phones"])))
        return rows

    def sections(self) -> list[tuple[str, list[str]]]:
        d = self.data
        result: list[tuple[str, list[str]]] = []
        if d.get("channels"):
            result.append(("办理方式", [f"{CHANNEL_LABELS[c['kind']]}：{c['text']}" for c in d["channels"]]))
        if d.get("process"):
            result.append(("办理流程", d["process"]))
        if d.get("situations"):
            result.append(("办理情形", ["、".join(d["situations"])]))
        if notes := public_notes(d.get("notes")):
            result.append(("备注", notes))
        if d.get("legal_basis"):
            result.append(("设定依据", d["legal_basis"]))
        query = d.get("query")
        if query:
            lines = [f"现场查询：{w}" for w in query.get("windows", [])]
            lines += [f"电话查询：{p}" for p in query.get("phones", [])]
            lines += [f"网上查询：{o}" for o in query.get("online", [])]
            if lines:
                result.append(("查询方式", lines))
        guide = d.get("operation_guide")
        if guide:
            lines = []
            if guide.get("applicant"):
                lines.append(f"办理人员：{guide['applicant']}")
            if guide.get("menu_path"):
                lines.append("操作路径：" + "——".join(guide["menu_path"]))
            if guide.get("fields"):
                lines.append("填写项目：" + "、".join(guide["fields"]))
            for code, meaning in guide.get("codes", {}).items():
                lines.append(f"代码 {code}：{meaning}")
            if guide.get("time_limit_text"):
                lines.append(f"办理时限：{guide['time_limit_text']}")
            if guide.get("text") and not lines:
                lines.append(guide["text"])
            result.append(("操作指南", lines))
        if d.get("evaluation"):
            result.append(("评价渠道", d["evaluation"]))
        return result
