"""Words that come from the workflow definitions and the shipped plan data, marked for translation.

The screens show them through ``gettext`` (the Chinese text is the msgid); marking them here lets
``pybabel extract`` put them in the catalogue. A test keeps this list in step with the definitions.
"""
from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802  (the conventional marker name)
    """Mark ``text`` for extraction; translated when shown."""
    return text


TERMS: tuple[str, ...] = (
    # phase
    N_("动员部署"),
    N_("全面推进"),
    N_("自查评估"),
    N_("检查验收"),
    N_("限期整改"),
    N_("持续提升"),
    # step
    N_("起草"),
    N_("县区审核"),
    N_("市级审核"),
    N_("省级认定"),
    # state
    N_("未通过"),
    N_("已撤销"),
    N_("已采纳"),
    N_("待签发"),
    N_("已印发"),
    # role
    N_("县区经办人"),
    N_("县区审核人"),
    N_("市直部门经办人"),
    N_("市商务局审核人"),
    N_("领导小组办公室负责人"),
    N_("督查/市领导（只读）"),
    N_("系统管理员"),
    # workflow
    N_("示范创建申报"),
    # action
    N_("提交申报"),
    N_("审核通过并报市"),
    N_("退回"),
    N_("撤回"),
    N_("确定为创建对象"),
    N_("不予通过"),
    N_("开始自查评估"),
    N_("提交自查评估"),
    N_("审核通过并申请验收"),
    N_("验收通过"),
    N_("验收通过并报省认定"),
    N_("录入省级认定结果"),
    N_("责令限期整改"),
    N_("验收不通过"),
    N_("提交整改报告"),
    N_("审核通过并申请复验"),
    N_("撤销示范称号"),
    # workflow
    N_("任务落实"),
    # action
    N_("提交实施方案"),
    N_("备案"),
    N_("安排检查验收"),
    # workflow
    N_("季度进展报告"),
    # action
    N_("提交季度报告"),
    N_("采纳"),
    # workflow
    N_("通报"),
    # action
    N_("提交签发"),
    N_("退回修改"),
    N_("签发"),
    N_("撤销"),
    # overdue
    N_("正常"),
    N_("即将到期"),
    N_("已逾期"),
    N_("严重逾期"),
    # notice kind
    N_("通报批评"),
    N_("通报表扬"),
    N_("批复"),
    # category
    N_("省级农村电商示范县"),
    # site label
    N_("县区名称"),
    # checklist
    N_("农村产品年网络销售额"),
    # measure
    N_("亿元"),
    # checklist
    N_("行政村电商服务站点覆盖率"),
    # measure
    N_("%"),
    # checklist
    N_("电商经营主体数"),
    # measure
    N_("个"),
    # checklist
    N_("年电商培训人次"),
    # measure
    N_("人次"),
    # checklist
    N_("带动建档立卡贫困户数"),
    # measure
    N_("户"),
    # category
    N_("省级电商示范镇（特色镇）"),
    # site label
    N_("镇名"),
    # checklist
    N_("年网络销售额"),
    # measure
    N_("万元"),
    # checklist
    N_("电商服务站点数"),
    # category
    N_("省级电商示范村"),
    # site label
    N_("村名"),
    # checklist
    N_("网销农产品种类"),
    # measure
    N_("种"),
    # category
    N_("省级乡村电商服务示范网点"),
    # site label
    N_("网点名称"),
    # checklist
    N_("年代购代销交易额"),
    N_("年快递收发量"),
    # measure
    N_("件"),
    # checklist
    N_("服务农户数"),
    # category
    N_("省级农村电商示范企业"),
    # site label
    N_("企业名称"),
    # checklist
    N_("自有网销品牌数"),
    N_("吸纳就业人数"),
    # measure
    N_("人"),
    # checklist
    N_("收购建档立卡贫困户农特产品金额"),
    # category
    N_("市级电商示范镇"),
    N_("市级电商示范村"),
    N_("市级乡村电商服务示范网点"),
    # indicator
    N_("农村产品网络销售额"),
    N_("年网络销售额超1000万元的农村电商经营主体"),
    N_("年网络销售额超100万元农村电商品牌"),
    # measure
    N_("家"),
    # indicator
    N_("新培育工商注册电商经营主体"),
    N_("农村电商培训"),
    N_("在线销售的“三品一标”农产品生产经营主体"),
    N_("开展网销的涉农省级以上商标品牌企业"),
    N_("农村道路畅通工程和扩面延伸工程建设里程"),
    # measure
    N_("公里"),
    # sign-in forms, the password policy and Flask-Login's prompt (app/auth)
    N_("请输入用户名"), N_("请输入密码"), N_("请输入当前密码"), N_("请输入新密码"), N_("两次输入的新密码不一致"),
    N_("密码至少需要 8 个字符"), N_("密码必须同时包含字母和数字"), N_("请先登录"),
    # item types, attachment kinds, decisions
    N_("示范申报"), N_("任务落实"), N_("季度报告"), N_("证明材料"), N_("实施方案"),
    N_("认定"), N_("未认定"),
    # refusals written in Chinese by the core (workflows/) and the operations: error_message shows them translated
    # after the English headline (messages with figures or names in them stay as written)
    N_("操作失败"), N_("您的角色或单位无权修改该事项"), N_("必须设定整改期限（日期格式 YYYY-MM-DD）"), N_("整改期限必须晚于今天"), N_("必须填写检查验收意见"),
    N_("必须选择省级认定结果：approved（认定）或 rejected（未认定）"), N_("必须填写省级认定文件的文号"), N_("必须填写自查评估报告"), N_("必须填写整改报告"),
    N_("必须上传实施方案"), N_("只有系统管理员可以管理账号和单位"), N_("不能停用本人的账号"), N_("用户名须以小写字母开头，由 3 至 64 个小写字母、数字、下划线、点或连字符组成"),
    N_("请填写姓名（最多 100 个字符）"), N_("请选择角色"), N_("电子邮箱格式不正确"), N_("不能取消本人的系统管理员角色"), N_("请填写单位名称（最多 100 个字符）"),
    N_("行政区划代码应为数字（最多 12 位）"), N_("该用户名已被使用"), N_("单位代码须以小写字母开头，由小写字母、数字和下划线组成"), N_("请选择单位类别"), N_("该单位代码已被使用"),
    N_("请选择所属单位"), N_("县区经办人、县区审核人必须属于某个县区"), N_("市直部门经办人必须属于某个市直部门"), N_("市级角色不能属于县区"), N_("只能委托本人的审批权限"),
    N_("该角色没有可委托的审批权限"), N_("委托不存在"), N_("只能撤销与本人有关的委托"), N_("请选择一位在用的同事作为受托人"), N_("请填写委托起止日期"), N_("不能委托给本人"),
    N_("结束日期不能早于开始日期"), N_("结束日期不能早于今天"), N_("只有事项所属单位可以申请延期"), N_("该事项已有一份待审批的延期申请"), N_("延期申请不存在"),
    N_("只有领导小组办公室可以审批延期申请"), N_("该延期申请已经审批过了"), N_("请选择批准或不批准"), N_("该事项当前没有办理期限，无需申请延期"), N_("必须填写延期理由"),
    N_("请填写申请延至的日期"), N_("事项已进入新的办理环节，该延期申请已失效，请不予批准"), N_("不予批准时必须填写理由"), N_("申请延至的日期必须晚于今天"), N_("申报内容不符合要求"),
    N_("只有县区经办人可以创建示范创建申报"), N_("只能为本县区创建示范创建申报"), N_("材料不存在或已删除"), N_("材料文件缺失，请联系管理员"), N_("文件为空，请选择有内容的文件"),
    N_("该委托不存在、已撤销或不在有效期内"), N_("受托人不能代为审批本人所在单位申报的事项"), N_("只有市级审核人可以起草通报"), N_("该通报尚未印发，没有存档文件"),
    N_("该通报未发送至您的单位"), N_("涉及单位必须是单位代码列表"), N_("尚未导入方案"),
    # the office's workflow switches and the county review of extension requests
    N_("市商务局确定为创建对象后，须经领导小组办公室审批"), N_("只有本县区审核人可以审核该延期申请"), N_("该延期申请已经审核过了"),
    N_("请选择同意上报或不予同意"), N_("不予同意时必须填写理由"), N_("该延期申请尚待县区审核人审核"), N_("延期申请未获县区审核同意"),
    N_("办公室审批"), N_("确定为创建对象（报办公室审批）"), N_("审批同意"), N_("退回市级审核"),
    # a quarterly report's text sections (workflows/report.py)
    N_("工作进展"), N_("存在问题"), N_("下步计划"),
)
