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
    "settlement": "定点医药机构费用结算：settlement generate --region X --institutions N --records N / settlement run --month 2026-11",
    "offsite": "异地就医备案：offsite expire [--enqueue] 标记到期备案",
    "qualifications": "待遇资格：qualifications sweep [--enqueue] 到期提醒并标记到期资格（每日）",
    "contributions": "缴费：contributions post/pay/arrears --unit USCC --month 2026-11 [--amount X]",
    "outbox": "外发消息（对方系统文书、短信、银行文件）：outbox deliver 发送到期消息 / outbox list [--status failed]",
    "db_worker": "后台任务执行器（django-tasks 数据库队列）",
    "migrate": "建立或升级数据库结构",
    "check": "系统自检（含事项处理器检查）",
    "createsuperuser": "创建管理员账号",
}


# Commands that work without a migrated database: they create it, only read
# files, or say by themselves what is wrong (runserver, check).
NO_DATABASE_NEEDED = {"demo", "migrate", "serve", "check"}
# Sub-commands that read only the data files (export falls back to them
# when nothing is loaded; see yibao.catalog.export).
FILE_ONLY = {("catalog", "validate"), ("catalog", "export")}


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
    if _needs_database(argv):
        problem = database_problem()
        if problem:
            print(problem, file=sys.stderr)
            sys.exit(2)
    execute_from_command_line(["yibao", *argv])


def _needs_database(argv: list[str]) -> bool:
    if argv[0] in NO_DATABASE_NEEDED or "-h" in argv or "--help" in argv:
        return False
    return not (len(argv) > 1 and (argv[0], argv[1]) in FILE_ONLY)


def database_problem() -> str | None:
    """What to run first when the database is missing, unreachable or not migrated; None if ready.

    A raw traceback from deep inside a command (no such table …) tells an
    operator nothing; this names the command that fixes it.
    """
    # Django must be set up (settings read) before the ORM can be imported.
    import django
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        applied = executor.loader.applied_migrations
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (f"无法连接数据库（{first_line}）。请检查环境变量 YIBAO_DATABASE_URL 所指的数据库是否存在、"
                "服务是否运行；新建数据库后先运行 yibao migrate（演示环境：yibao demo）。")
    finally:
        connection.close()
    if plan and not applied:
        return ("数据库尚未建立（没有任何数据表）。请先运行 yibao migrate 建立数据库结构，"
                "或运行 yibao demo 准备完整的演示环境。")
    if plan:
        return (f"数据库结构不是最新的：还有 {len(plan)} 项迁移未应用。请先运行 yibao migrate。")
    return None


if __name__ == "__main__":
    main()
