"""The `yibao` console command: the project's management commands under one name."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "demo": "准备演示环境：建库、载入事项清单和节假日、创建演示账号",
    "serve": "启动 Web 服务（开发用，默认 http://127.0.0.1:8000）",
    "catalog": "事项清单：load / export --city X / diff A B / validate",
    "workdays": "工作日计算：add DATE N [--natural] / count A B / load",
    "generate": "生成模拟城市：generate --region taiyuan --persons N --units M",
    "bench": "性能基准：bench http / bench sql / bench import / bench lookups / bench guides（结果见 docs/benchmarks.md）",
    "cases": "办件：cases sweep 标记超期办件",
    "offsite": "异地就医备案：offsite expire [--enqueue] 标记到期备案",
    "contributions": "缴费：contributions post/pay/arrears --unit USCC --month 2026-11 [--amount X]",
    "outbox": "外发消息（对方系统文书、短信、银行文件）：outbox deliver 发送到期消息 / outbox list [--status failed]",
    "db_worker": "后台任务执行器（django-tasks 数据库队列）",
    "migrate": "建立或升级数据库结构",
    "check": "系统自检（含事项处理器检查）",
    "createsuperuser": "创建管理员账号",
}


def usage() -> str:
    lines = ["用法：yibao <子命令> [参数]", "", "子命令："]
    lines += [f"  {name:<16}{text}" for name, text in COMMANDS.items()]
    lines += ["", "yibao <子命令> --help 查看子命令的参数。"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yibao.settings")
    from django.core.management import execute_from_command_line

    command = argv[0]
    if command == "serve":
        command, argv = "runserver", ["runserver", *(argv[1:] or ["127.0.0.1:8000"])]
    elif command not in COMMANDS:
        print(f"未知的子命令「{command}」\n\n{usage()}", file=sys.stderr)
        sys.exit(2)
    execute_from_command_line(["yibao", *argv])


if __name__ == "__main__":
    main()
