"""UI text of the list tools (saved views, columns, bulk actions, import) and the admin
screens, both languages side by side: key -> (zh-CN, en).

Merged into ``kith.web.i18n.ZH_CN`` / ``EN``; the same consistency tests apply.
"""

from __future__ import annotations

ADMIN: dict[str, tuple[str, str]] = {
    "nav.admin": ("管理", "Administration"),
    # --- lists: saved views, columns, bulk actions ----------------------------------------
    "lists.views": ("视图", "View"),
    "lists.no_view": ("（当前）", "(current)"),
    "lists.save_view": ("保存视图…", "Save view…"),
    "lists.delete_view": ("删除视图", "Delete view"),
    "lists.view_name": ("视图名称", "View name"),
    "lists.view_name_required": ("请填写视图名称。", "Give the view a name."),
    "lists.view_saved": ("已保存视图“{name}”。", "View “{name}” saved."),
    "lists.view_deleted": ("已删除视图“{name}”。", "View “{name}” deleted."),
    "lists.columns": ("列", "Columns"),
    "lists.close": ("关闭", "Close"),
    "lists.select_all": ("选择本页全部", "Select all on this page"),
    "lists.select_row": ("选择 {title}", "Select {title}"),
    "lists.selected": ("已选 {n} 条", "{n} selected"),
    "lists.bulk_actions": ("批量操作", "Bulk actions"),
    "lists.new_owner": ("新负责人", "New owner"),
    "lists.choose_owner": ("选择负责人…", "Choose an owner…"),
    "lists.change_owner": ("更换负责人", "Change owner"),
    "lists.delete_selected": ("删除所选", "Delete selected"),
    "lists.export_selected": ("导出所选", "Export selected"),
    "lists.exported": ("已导出 {n} 条（CSV）。", "Exported {n} rows (CSV)."),
    "lists.confirm_delete": (
        "确定删除所选的 {n} 条{object}吗？",
        "Delete the {n} selected rows of {object}?",
    ),
    "lists.working": ("正在处理 {done}/{total}…", "Working {done}/{total}…"),
    "lists.owner_result": (
        "已更换 {ok} 条的负责人，{failed} 条失败。",
        "Owner changed on {ok} rows; {failed} failed.",
    ),
    "lists.delete_result": (
        "已删除 {ok} 条，{failed} 条失败。",
        "Deleted {ok} rows; {failed} failed.",
    ),
    # --- import ------------------------------------------------------------------------------
    "import.open": ("导入…", "Import…"),
    "import.title": ("导入{object}", "Import {object}"),
    "import.help": (
        "CSV（第一行为列名）或 JSON Lines。已存在的记录按唯一字段更新，不会重复。"
        "有问题的行不会导入，会列在下方并可下载。",
        "CSV (first line names the columns) or JSON Lines. Existing records are updated by "
        "their unique fields, never duplicated. Rows with problems are not imported; they are "
        "listed below and can be downloaded.",
    ),
    "import.file": ("文件", "File"),
    "import.choose_file": ("请选择一个文件。", "Choose a file."),
    "import.start": ("开始导入", "Start import"),
    "import.queued": ("等待开始…", "Waiting to start…"),
    "import.progress": ("已处理 {done} / {total} 行", "{done} of {total} rows processed"),
    "import.done": ("导入完成：{n} 行全部接受。", "Import finished: all {n} rows accepted."),
    "import.done_with_rejects": (
        "导入完成：{n} 行中 {rejected} 行被拒绝。",
        "Import finished: {rejected} of {n} rows rejected.",
    ),
    "import.created": ("新建", "Created"),
    "import.updated": ("更新", "Updated"),
    "import.unchanged": ("未变", "Unchanged"),
    "import.rejected": ("拒绝", "Rejected"),
    "import.rejected_rows": ("被拒绝的行", "Rejected rows"),
    "import.line": ("行号", "Line"),
    "import.reasons": ("原因", "Reasons"),
    "import.rejects_truncated": (
        "只显示前 {n} 行，完整列表请下载。",
        "Showing the first {n}; download the file for all of them.",
    ),
    "import.download_rejects": ("下载被拒绝的行（CSV）", "Download rejected rows (CSV)"),
    # --- admin ---------------------------------------------------------------------------------
    "admin.title": ("管理", "Administration"),
    "admin.no_access": (
        "你的角色不能查看用户或角色。",
        "Your role cannot see users or roles.",
    ),
    "admin.tab_users": ("用户", "Users"),
    "admin.tab_roles": ("角色与权限", "Roles and permissions"),
    "admin.tab_agents": ("智能体权限", "Agent permissions"),
    "admin.tab_risk": ("风险策略", "Risk policy"),
    "admin.user_name": ("姓名", "Name"),
    "admin.user_email": ("邮箱", "Email"),
    "admin.user_title": ("职位", "Title"),
    "admin.user_password": ("初始密码", "Initial password"),
    "admin.roles": ("角色", "Roles"),
    "admin.active": ("启用", "Active"),
    "admin.actions": ("操作", "Actions"),
    "admin.add_user": ("添加用户", "Add user"),
    "admin.conflict": ("已存在或已被更改", "Already exists or was changed"),
    "admin.user_added": ("已添加用户 {name}。", "User {name} added."),
    "admin.user_saved": ("已保存 {name}。", "{name} saved."),
    "admin.role.admin": ("管理员", "Administrator"),
    "admin.role.manager": ("经理", "Manager"),
    "admin.role.sales": ("销售", "Sales"),
    "admin.role.service": ("客服", "Service"),
    "admin.role.marketing": ("市场", "Marketing"),
    "admin.role.analyst": ("分析师", "Analyst"),
    "admin.role.viewer": ("只读", "Viewer"),
    "admin.builtin": ("内置", "built-in"),
    "admin.read_only": (
        "你的角色只能查看角色，不能修改。",
        "Your role can view roles but not change them.",
    ),
    "admin.permissions": ("对象权限", "Object permissions"),
    "admin.object": ("对象", "Object"),
    "admin.field": ("字段", "Field"),
    "admin.access": ("限制", "Restriction"),
    "admin.action_read": ("查看", "Read"),
    "admin.action_create": ("新建", "Create"),
    "admin.action_update": ("修改", "Update"),
    "admin.action_delete": ("删除", "Delete"),
    "admin.scope_none": ("无", "None"),
    "admin.scope_own": ("本人", "Own"),
    "admin.scope_team": ("本团队", "Team"),
    "admin.scope_all": ("全部", "All"),
    "admin.field_rules": ("字段规则", "Field rules"),
    "admin.field_rules_help": (
        "隐藏的字段不会出现在该角色的任何页面、列表、导出和接口里；只读字段可见但不能修改。"
        "用户有多个角色时，只有每个角色都限制的字段才受限。",
        "A hidden field is absent from every page, list, export and API response for this "
        "role; a read-only field is shown but cannot be changed. A user with several roles "
        "is restricted only where every role restricts the field.",
    ),
    "admin.access_hidden": ("隐藏", "Hidden"),
    "admin.access_read_only": ("只读", "Read-only"),
    "admin.no_rules": ("没有字段规则。", "No field rules."),
    "admin.add_rule": ("添加规则", "Add rule"),
    "admin.remove_rule": ("移除", "Remove"),
    "admin.save_role": ("保存角色", "Save role"),
    "admin.nothing_changed": ("没有改动。", "Nothing changed."),
    "admin.role_saved": ("已保存角色 {name}（{n} 项改动）。", "Role {name} saved ({n} changes)."),
    "admin.no_roles": ("还没有角色。", "There are no roles."),
    "admin.new_role": ("新角色名称", "New role name"),
    "admin.role_name_hint": (
        "小写字母开头，只含小写字母、数字和下划线。",
        "Starts with a lowercase letter; lowercase letters, digits and underscores only.",
    ),
    "admin.create_role": ("新建角色", "Create role"),
    "admin.object.user": ("用户", "Users"),
    "admin.object.team": ("团队", "Teams"),
    "admin.object.role": ("角色", "Roles"),
    "admin.object.api_key": ("API 密钥", "API keys"),
    "admin.object.field": ("自定义字段", "Custom fields"),
    "admin.object.model": ("模型", "Models"),
    "admin.object.knowledge": ("知识库", "Knowledge"),
    "admin.agents_help": (
        "每个智能体以自己的角色（agent_名称）行事，和人一样受对象权限与字段规则约束。"
        "点“编辑权限”修改它的角色。",
        "Each agent acts under its own role (agent_<name>) and is bound by object permissions "
        "and field rules like a person. “Edit permissions” opens its role.",
    ),
    "admin.agents_unavailable": ("此部署没有智能体。", "Agents are not available here."),
    "admin.agent": ("智能体", "Agent"),
    "admin.agent_status": ("状态", "Status"),
    "admin.agent_role": ("角色", "Role"),
    "admin.agent_tools": ("可用工具", "Tools"),
    "admin.edit_permissions": ("编辑权限", "Edit permissions"),
    "admin.risk_read_only": (
        "风险策略由网关执行：匹配规则的调用至少为该风险级别，高风险需由审批角色批准。"
        "目前只能查看；网关尚无修改规则的接口。",
        "The gateway applies the risk policy: a call matching a rule is at least that "
        "level, and high-risk calls wait for the approver role. View only: the gateway has "
        "no API to change rules yet.",
    ),
    "admin.rule": ("规则", "Rule"),
    "admin.tool_pattern": ("工具匹配", "Tool pattern"),
    "admin.condition": ("条件", "Condition"),
    "admin.level": ("风险级别", "Risk level"),
    "admin.approver": ("审批角色", "Approver role"),
    "admin.expiry": ("审批时限", "Approval expires after"),
    "admin.enabled": ("启用", "Enabled"),
    "admin.level_low": ("低", "Low"),
    "admin.level_medium": ("中", "Medium"),
    "admin.level_high": ("高", "High"),
    "admin.minutes": ("{n} 分钟", "{n} min"),
}
