"""Public service-guide pages (no login)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

# The guide page is a delivery view: whether an item is offered is the case engine's answer.
from yibao.cases.handlers import NOT_OFFERED, is_offered
from yibao.catalog import selectors
from yibao.catalog.cache import cached_by_catalog_version
from yibao.catalog.diff import diff_catalogs
from yibao.catalog.export import export_city
from yibao.catalog.guide_pdf import render_guide_pdf
from yibao.catalog.guides import GuideView

BOX_W, BOX_H, GAP, PER_ROW = 96, 44, 36, 7


def _version_or_404(city: str):
    try:
        return selectors.current_version(city)
    except selectors.CatalogNotLoaded as exc:
        raise Http404(str(exc)) from exc


def home(request):
    return render(request, "catalog/home.html", {"regions": selectors.regions_with_catalog()})


@cached_by_catalog_version
def city(request, city: str):
    version = _version_or_404(city)
    q = request.GET.get("q", "").strip()[:50]
    raw_category = request.GET.get("category", "").strip()
    category, error = None, ""
    if raw_category:
        if raw_category.isdigit() and 1 <= int(raw_category) <= 10:
            category = int(raw_category)
        else:
            error = f"参数 category「{raw_category}」无效，应为 1 到 10 的类别序号"
    items = list(selectors.search_items(version, text=q, category=category))
    context = {
        "version": version, "q": q, "category": category, "error": error,
        "categories": selectors.categories(), "count": len(items),
        "groups": selectors.grouped_by_category(items),
    }
    template = "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/city.html"
    return render(request, template, context, status=400 if error else 200)


def _flow_layout(steps: list[str]) -> dict | None:
    if not steps:
        return None
    boxes = []
    for index, step in enumerate(steps):
        row, col = divmod(index, PER_ROW)
        x, y = 4 + col * (BOX_W + GAP), 4 + row * (BOX_H + GAP)
        arrow = None
        if index < len(steps) - 1 and col < PER_ROW - 1:
            arrow = {"x1": x + BOX_W + 2, "x2": x + BOX_W + GAP - 4, "y": y + BOX_H // 2}
        boxes.append({"step": step, "x": x, "y": y, "cx": x + BOX_W // 2, "cy": y + BOX_H // 2,
                      "edge": index in (0, len(steps) - 1), "arrow": arrow})
    rows = (len(steps) + PER_ROW - 1) // PER_ROW
    cols = min(len(steps), PER_ROW)
    return {"boxes": boxes, "box_w": BOX_W, "box_h": BOX_H,
            "width": 8 + cols * BOX_W + (cols - 1) * GAP, "height": 8 + rows * BOX_H + (rows - 1) * GAP}


@cached_by_catalog_version
def item(request, city: str, key: str):
    version = _version_or_404(city)
    found = selectors.get_item(version, key)
    if found is None:
        raise Http404(f"{version.region.name}没有标识为「{key}」的事项")
    guide = GuideView.of(found)
    return render(request, "catalog/item.html", {
        "version": version, "item": found, "guide": guide,
        "children": found.children.order_by("position"), "flow": _flow_layout(guide.steps),
        "offered": is_offered(found), "not_offered": NOT_OFFERED,
    })


def item_pdf(request, city: str, key: str):
    version = _version_or_404(city)
    found = selectors.get_item(version, key)
    if found is None:
        raise Http404(f"{version.region.name}没有标识为「{key}」的事项")
    pdf = render_guide_pdf(GuideView.of(found))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=guide-{city}-{key}.pdf"
    return response


def compare(request):
    regions = list(selectors.regions_with_catalog())
    slugs = [r.slug for r in regions]
    names = {r.slug: r.name for r in regions}
    left = request.GET.get("left") or (slugs[0] if slugs else "")
    right = request.GET.get("right") or (slugs[1] if len(slugs) > 1 else left)
    context = {"regions": regions, "left": left, "right": right, "rows": None,
               "only": bool(request.GET.get("only"))}
    bad = [f"参数 {side}「{value}」不是已载入的城市" for side, value in (("left", left), ("right", right))
           if value not in names]
    if bad:
        context["error"] = "；".join(bad)
        return render(request, "catalog/compare.html", context, status=400 if request.GET else 200)
    rows = diff_catalogs(export_city(left)[0], export_city(right)[0])
    context.update(
        left_name=names[left], right_name=names[right], total=len(rows),
        matched=sum(1 for r in rows if r.left and r.right),
        differing=sum(1 for r in rows if r.differs),
        rows=[r for r in rows if r.differs] if context["only"] else rows,
    )
    return render(request, "catalog/compare.html", context)
