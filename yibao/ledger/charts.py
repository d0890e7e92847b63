"""Server-rendered bar charts for the ledger pages: plain SVG shapes, no script, no chart library.

The page draws what this returns (rectangles with a CSS class per series), so the chart works
without JavaScript and under the site's Content-Security-Policy.
"""

from __future__ import annotations

from decimal import Decimal

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 70, 30, 10


def stacked_bars(columns: list[str], series: list[str], values: dict[tuple[str, str], Decimal]) -> dict:
    """One bar per column, stacked by series; returns the shapes and the axis labels to draw."""
    totals = {c: sum((values.get((c, s), Decimal("0")) for s in series), Decimal("0")) for c in columns}
    top = max(totals.values(), default=Decimal("0")) or Decimal("1")
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / max(len(columns), 1)
    bar = max(step * 0.6, 2)
    bars, labels = [], []
    for index, column in enumerate(columns):
        x = LEFT + index * step + (step - bar) / 2
        y = HEIGHT - BOTTOM
        for position, name in enumerate(series):
            amount = values.get((column, name), Decimal("0"))
            if amount <= 0:
                continue
            height = float(amount / top) * plot_height
            y -= height
            bars.append({"x": round(x, 1), "y": round(y, 1), "width": round(bar, 1), "height": round(height, 1),
                         "series": position, "title": f"{column} {name}：{amount:,.2f} 元"})
        labels.append({"x": round(x + bar / 2, 1), "y": HEIGHT - BOTTOM + 16, "text": column})
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "labels": labels, "top": top,
            "axis_x": LEFT, "axis_y": HEIGHT - BOTTOM, "top_y": TOP}
