"""yibao catalog load|export|diff|validate"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from yibao.catalog.diff import diff_catalogs, render_text
from yibao.catalog.export import export_city
from yibao.catalog.files import CITIES, CatalogFileError, city_path, read_city_file
from yibao.catalog.services import load_catalog


class Command(BaseCommand):
    help = "事项清单：载入（发布新版本）、导出 JSON、城市间比对、校验数据文件"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,export,diff,validate}")
        load = sub.add_parser("load", help="校验并载入数据文件，内容有变化时发布新版本")
        load.add_argument("--city", choices=[*CITIES, "all"], default="all")
        export = sub.add_parser("export", help="把某市的事项以 JSON 输出到标准输出")
        export.add_argument("--city", required=True, choices=CITIES)
        diff = sub.add_parser("diff", help="逐项比对两个城市的事项清单")
        diff.add_argument("left", choices=CITIES)
        diff.add_argument("right", choices=CITIES)
        diff.add_argument("--only-differences", action="store_true", help="只显示有差异的行")
        validate = sub.add_parser("validate", help="只校验数据文件，不写数据库")
        validate.add_argument("--city", choices=[*CITIES, "all"], default="all")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except CatalogFileError as exc:
            raise CommandError(str(exc)) from exc

    def _cities(self, city):
        return CITIES if city == "all" else (city,)

    def do_load(self, options):
        for city in self._cities(options["city"]):
            result = load_catalog(city=city, actor="cli")
            self.stdout.write(result.describe())

    def do_validate(self, options):
        for city in self._cities(options["city"]):
            catalog = read_city_file(city_path(city)).catalog
            self.stdout.write(f"{city}.yaml：校验通过，{len(catalog.items)} 个事项")

    def do_export(self, options):
        entries, origin = export_city(options["city"])
        sys.stderr.write(f"# {options['city']}：{len(entries)} 个事项，来源：{origin}\n")
        self.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2))

    def do_diff(self, options):
        left, _ = export_city(options["left"])
        right, _ = export_city(options["right"])
        rows = diff_catalogs(left, right)
        if options["only_differences"]:
            rows = [r for r in rows if r.differs]
        self.stdout.write(render_text(rows, options["left"], options["right"]))
