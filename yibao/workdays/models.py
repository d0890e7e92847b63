"""The administrator's holiday table: dates that differ from chinese-calendar or that it lacks.

chinese-calendar ships the State Council's arrangements up to the year it was
released (1.11.0: 2004–2026). The State Council publishes the next year's
arrangement each November (国务院办公厅关于……部分节假日安排的通知); until the
library is upgraded, an administrator enters that year's days here. A row always
wins over the library, so a late local change can be recorded too.
"""

from django.db import models


class HolidayOverride(models.Model):
    """One calendar day whose working status is set by a notice or by the administrator."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField(
        "是否上班",
        help_text="否：法定节假日或休息日；是：调休上班日（如周末补班）",
    )
    name = models.CharField("名称", max_length=50, help_text="如：春节、国庆节调休")
    source = models.CharField(
        "依据", max_length=200, default="管理员", help_text="如：国办发明电〔2026〕X号，或“管理员”"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        status = "上班" if self.is_working_day else "休息"
        return f"{self.date.isoformat()} {self.name}（{status}）"
