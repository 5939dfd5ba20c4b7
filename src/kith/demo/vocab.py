"""Word lists the demo generator draws from: names, places, companies, titles, products.

Everything here is data. The generator only picks from these tables with its
seeded random source, so the tables are what makes the dataset look real.
Company and person names are invented; e-mail domains use the reserved
``.example`` top-level domain so no message can ever reach a real mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# --- people -------------------------------------------------------------------

# (汉字, pinyin); the most common family names, roughly in order of frequency.
FAMILY_NAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("田", "tian"), ("董", "dong"), ("潘", "pan"),
    ("袁", "yuan"), ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("魏", "wei"), ("苏", "su"), ("吕", "lv"),
    ("丁", "ding"), ("任", "ren"), ("沈", "shen"), ("姚", "yao"), ("卢", "lu"),
    ("姜", "jiang"), ("崔", "cui"), ("钟", "zhong"), ("谭", "tan"), ("陆", "lu"),
    ("范", "fan"), ("金", "jin"), ("石", "shi"), ("廖", "liao"), ("贾", "jia"),
    ("夏", "xia"), ("方", "fang"), ("白", "bai"), ("邹", "zou"), ("孟", "meng"),
    ("熊", "xiong"), ("秦", "qin"), ("邱", "qiu"), ("江", "jiang"), ("尹", "yin"),
    ("薛", "xue"), ("段", "duan"), ("雷", "lei"), ("侯", "hou"), ("龙", "long"),
    ("史", "shi"), ("陶", "tao"), ("贺", "he"), ("顾", "gu"), ("毛", "mao"),
    ("郝", "hao"), ("邵", "shao"), ("钱", "qian"), ("严", "yan"), ("戴", "dai"),
)  # fmt: skip

GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"),
    ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("鹏", "peng"),
    ("辉", "hui"), ("斌", "bin"), ("琳", "lin"), ("倩", "qian"), ("颖", "ying"),
    ("凯", "kai"), ("宁", "ning"), ("亮", "liang"), ("雪", "xue"), ("慧", "hui"),
    ("建华", "jianhua"), ("志强", "zhiqiang"), ("晓东", "xiaodong"), ("海燕", "haiyan"),
    ("文博", "wenbo"), ("子轩", "zixuan"), ("雨涵", "yuhan"), ("浩然", "haoran"),
    ("思远", "siyuan"), ("佳琪", "jiaqi"), ("一鸣", "yiming"), ("俊杰", "junjie"),
    ("婷婷", "tingting"), ("欣怡", "xinyi"), ("宇航", "yuhang"), ("晨曦", "chenxi"),
    ("立新", "lixin"), ("卫东", "weidong"), ("红梅", "hongmei"), ("玉兰", "yulan"),
    ("国庆", "guoqing"), ("振华", "zhenhua"), ("春生", "chunsheng"), ("建军", "jianjun"),
    ("秀兰", "xiulan"), ("晓燕", "xiaoyan"), ("桂英", "guiying"), ("秀英", "xiuying"),
    ("建国", "jianguo"), ("海涛", "haitao"), ("丽娟", "lijuan"), ("永刚", "yonggang"),
    ("晓峰", "xiaofeng"), ("雅婷", "yating"), ("嘉怡", "jiayi"), ("梓萱", "zixuan"),
    ("明辉", "minghui"), ("志刚", "zhigang"), ("小红", "xiaohong"), ("德胜", "desheng"),
)  # fmt: skip

ENGLISH_FIRST_NAMES: tuple[str, ...] = (
    "James", "Emma", "Oliver", "Sophie", "Lukas", "Anna", "Erik", "Ingrid", "Daniel",
    "Grace", "Michael", "Olivia", "Thomas", "Hannah", "Ryan", "Chloe", "Marcus", "Nina",
    "Samuel", "Laura", "Jonas", "Mia", "Henrik", "Priya", "Wei Ling", "Arjun",
)  # fmt: skip
ENGLISH_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Müller", "Schmidt", "Andersson", "Larsen", "Brown", "Taylor",
    "Wilson", "Tan", "Lim", "Wong", "Nair", "Fischer", "Berg", "Nilsson", "Clarke",
    "Walker", "Hughes", "Becker", "Koh", "Patel", "Evans", "Hoffmann",
)  # fmt: skip


# --- places -------------------------------------------------------------------

# Mean monthly air temperatures (°C, Jan..Dec) by climate zone; battery
# telemetry follows them, which is what makes the Harbin winter story work.
CLIMATE: dict[str, tuple[int, ...]] = {
    "northeast": (-18, -13, -3, 8, 16, 21, 23, 21, 15, 6, -5, -15),
    "north": (-3, 1, 8, 16, 22, 26, 27, 26, 21, 14, 5, -1),
    "east": (5, 7, 11, 17, 22, 26, 30, 29, 25, 20, 14, 7),
    "south": (14, 15, 18, 22, 26, 28, 29, 29, 28, 25, 20, 16),
    "west": (6, 9, 14, 19, 23, 26, 28, 28, 23, 18, 13, 7),
}


@dataclass(frozen=True)
class City:
    name: str
    pinyin: str
    area_code: str
    zone: str
    districts: tuple[str, ...]
    roads: tuple[str, ...]


CITIES: tuple[City, ...] = (
    City("上海", "shanghai", "021", "east", ("浦东新区", "闵行区", "嘉定区", "松江区", "徐汇区"),
         ("张江路", "申长路", "曹安公路", "漕河泾开发区宜山路", "沪青平公路")),
    City("北京", "beijing", "010", "north", ("朝阳区", "海淀区", "大兴区", "顺义区"),
         ("望京东路", "中关村大街", "亦庄经济开发区科创街", "空港工业区天竺路")),
    City("广州", "guangzhou", "020", "south", ("天河区", "黄埔区", "番禺区", "白云区"),
         ("天河北路", "科学大道", "市桥迎宾路", "机场路")),
    City("深圳", "shenzhen", "0755", "south", ("南山区", "龙岗区", "宝安区", "福田区"),
         ("科技园南路", "坂田五和大道", "福永凤凰路", "深南大道")),
    City("杭州", "hangzhou", "0571", "east", ("滨江区", "余杭区", "萧山区", "西湖区"),
         ("江南大道", "文一西路", "市心北路", "古墩路")),
    City("苏州", "suzhou", "0512", "east", ("工业园区", "吴中区", "相城区", "昆山市"),
         ("星湖街", "东吴北路", "澄阳路", "前进东路")),
    City("南京", "nanjing", "025", "east", ("江宁区", "鼓楼区", "建邺区", "栖霞区"),
         ("胜太路", "中山北路", "江东中路", "仙林大道")),
    City("宁波", "ningbo", "0574", "east", ("鄞州区", "北仑区", "海曙区"),
         ("天童南路", "新碶明州路", "中山西路")),
    City("成都", "chengdu", "028", "west", ("高新区", "武侯区", "双流区", "青白江区"),
         ("天府大道", "武侯大道", "航空港西航港大道", "物流大道")),
    City("重庆", "chongqing", "023", "west", ("渝北区", "两江新区", "九龙坡区"),
         ("金开大道", "星光大道", "科城路")),
    City("武汉", "wuhan", "027", "west", ("东湖高新区", "江汉区", "汉阳区"),
         ("光谷大道", "建设大道", "车城大道")),
    City("西安", "xian", "029", "west", ("雁塔区", "未央区", "高新区"),
         ("科技路", "凤城八路", "锦业路")),
    City("天津", "tianjin", "022", "north", ("滨海新区", "西青区", "东丽区"),
         ("第三大街", "中北大道", "津塘公路")),
    City("青岛", "qingdao", "0532", "north", ("黄岛区", "崂山区", "城阳区"),
         ("长江中路", "香港东路", "春阳路")),
    City("沈阳", "shenyang", "024", "northeast", ("浑南区", "铁西区", "沈北新区"),
         ("浑南东路", "北二中路", "蒲河路")),
    City("哈尔滨", "harbin", "0451", "northeast", ("南岗区", "道里区", "松北区", "香坊区"),
         ("红旗大街", "友谊路", "世纪大道", "三大动力路")),
    City("长沙", "changsha", "0731", "west", ("岳麓区", "雨花区", "长沙县"),
         ("麓谷大道", "万家丽路", "星沙大道")),
    City("郑州", "zhengzhou", "0371", "north", ("金水区", "郑东新区", "经开区"),
         ("花园路", "商务外环路", "航海东路")),
    City("合肥", "hefei", "0551", "east", ("蜀山区", "包河区", "经开区"),
         ("长江西路", "徽州大道", "繁华大道")),
    City("厦门", "xiamen", "0592", "south", ("思明区", "湖里区", "集美区"),
         ("环岛路", "枋湖北二路", "杏林湾路")),
)  # fmt: skip
CITY_BY_NAME: dict[str, City] = {c.name: c for c in CITIES}


@dataclass(frozen=True)
class ForeignPlace:
    city: str
    country: str
    currency: str
    phone_prefix: str


FOREIGN_PLACES: tuple[ForeignPlace, ...] = (
    ForeignPlace("Hamburg", "DE", "EUR", "+49 40"),
    ForeignPlace("Munich", "DE", "EUR", "+49 89"),
    ForeignPlace("Stockholm", "SE", "EUR", "+46 8"),
    ForeignPlace("Singapore", "SG", "USD", "+65"),
    ForeignPlace("Sydney", "AU", "USD", "+61 2"),
    ForeignPlace("Los Angeles", "US", "USD", "+1 213"),
    ForeignPlace("Hong Kong", "HK", "USD", "+852"),
    ForeignPlace("Kuala Lumpur", "MY", "USD", "+60 3"),
)


# --- companies ----------------------------------------------------------------

# Two-character trade names (字号) with pinyin for web domains. Famous real
# brands are left out on purpose.
BRANDS: tuple[tuple[str, str], ...] = (
    ("恒通", "hengtong"), ("华宇", "huayu"), ("安捷", "anjie"), ("远航", "yuanhang"),
    ("中驰", "zhongchi"), ("鑫源", "xinyuan"), ("天成", "tiancheng"), ("宏图", "hongtu"),
    ("瑞丰", "ruifeng"), ("嘉禾", "jiahe"), ("永盛", "yongsheng"), ("金桥", "jinqiao"),
    ("博远", "boyuan"), ("新程", "xincheng"), ("华信", "huaxin"), ("万通", "wantong"),
    ("众诚", "zhongcheng"), ("九州", "jiuzhou"), ("长风", "changfeng"), ("海纳", "haina"),
    ("凯瑞", "kairui"), ("锦程", "jincheng"), ("德润", "derun"), ("启航", "qihang"),
    ("和泰", "hetai"), ("恒信", "hengxin"), ("明阳", "mingyang"), ("聚力", "juli"),
    ("北辰", "beichen"), ("星河", "xinghe"), ("云帆", "yunfan"), ("润达", "runda"),
    ("弘毅", "hongyi"), ("同舟", "tongzhou"), ("致远", "zhiyuan"), ("盛泰", "shengtai"),
    ("东升", "dongsheng"), ("泰和", "taihe"), ("通达", "tongda"), ("宏基", "hongji"),
)  # fmt: skip

HOSPITAL_BRANDS: tuple[tuple[str, str], ...] = (
    ("康华", "kanghua"), ("济民", "jimin"), ("安康", "ankang"), ("惠民", "huimin"),
    ("和平", "heping"), ("慈航", "cihang"), ("仁爱", "renai"), ("康宁", "kangning"),
    ("益康", "yikang"), ("德济", "deji"), ("博仁", "boren"), ("瑞康", "ruikang"),
)  # fmt: skip
HOSPITAL_KINDS: tuple[str, ...] = (
    "医院", "中心医院", "人民医院", "中医医院", "妇幼保健院", "骨科医院", "康复医院",
)  # fmt: skip

# A job title and the department it sits in.
Title = tuple[str, str]


@dataclass(frozen=True)
class Industry:
    slug: str
    label_zh: str
    label_en: str
    suffixes: tuple[tuple[str, str], ...]  # (物流, 物流) -> 上海恒通物流有限公司 / 恒通物流
    domain_word: str
    english_names: tuple[str, ...]  # full English company names for foreign accounts
    titles: tuple[Title, ...]
    english_titles: tuple[Title, ...]
    pipeline: str  # "fleet" or "medical"
    owner: str  # the user key who owns accounts of this industry
    share: int  # accounts out of 200


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "logistics", "物流", "Logistics",
        (("物流", "物流"), ("供应链管理", "供应链"), ("快运", "快运"), ("冷链物流", "冷链"),
         ("城市配送", "配送")), "wuliu",
        ("Harbor Freight Logistics Inc.", "Nordic Fleet Solutions AB",
         "Lion City Couriers Pte. Ltd."),
        (("总经理", "总经理办公室"), ("副总经理", "总经理办公室"), ("运营总监", "运营部"),
         ("车队经理", "车队管理部"), ("采购经理", "采购部"), ("调度主管", "调度中心"),
         ("财务经理", "财务部"), ("IT经理", "信息技术部")),
        (("Managing Director", "Management"), ("Fleet Manager", "Fleet"),
         ("Head of Procurement", "Procurement"), ("Operations Director", "Operations")),
        "fleet", "user:wangqiang", 34,
    ),
    Industry(
        "automotive", "汽车与新能源", "Automotive / EV",
        (("汽车销售服务", "汽车"), ("新能源汽车服务", "新能源"), ("汽车租赁", "租车"),
         ("出行科技", "出行")), "auto",
        ("Bavaria Motion GmbH", "Pacific EV Rentals Pty Ltd"),
        (("总经理", "总经理办公室"), ("销售总监", "销售部"), ("售后经理", "售后服务部"),
         ("服务站站长", "售后服务部"), ("采购经理", "采购部"), ("市场经理", "市场部"),
         ("车队运营经理", "运营部")),
        (("General Manager", "Management"), ("After-sales Manager", "Service"),
         ("Fleet Operations Lead", "Operations")),
        "fleet", "user:lina", 30,
    ),
    Industry(
        "medical_devices", "医疗器械", "Medical devices",
        (("医疗器械", "医疗"), ("医疗科技", "医疗科技"), ("生物医学工程", "生物医学")), "med",
        ("Pacific Care Medical Pte. Ltd.", "Nordic MedTech Distribution AB"),
        (("总经理", "总经理办公室"), ("销售总监", "销售部"), ("产品经理", "产品部"),
         ("区域经理", "销售部"), ("采购经理", "采购部"), ("注册专员", "注册法规部"),
         ("售后工程师", "技术服务部")),
        (("Managing Director", "Management"), ("Product Manager", "Product"),
         ("Regulatory Affairs Manager", "Regulatory")),
        "medical", "user:liuyang", 22,
    ),
    Industry(
        "healthcare", "医院", "Hospitals",
        (), "hospital",
        ("Lotus Bay General Hospital",),
        (("院长", "院办"), ("副院长", "院办"), ("设备科主任", "设备科"),
         ("信息科主任", "信息科"), ("采购办主任", "采购办"), ("临床工程师", "设备科"),
         ("护士长", "护理部"), ("检验科主任", "检验科"), ("放射科主任", "放射科")),
        (("Chief Medical Officer", "Management"), ("Head of Biomedical Engineering", "Biomed"),
         ("Procurement Manager", "Procurement")),
        "medical", "user:liuyang", 28,
    ),
    Industry(
        "manufacturing", "制造", "Manufacturing",
        (("精密制造", "精密"), ("机械制造", "机械"), ("电子科技", "电子"), ("新材料", "新材料"),
         ("智能装备", "智能装备")), "mfg",
        ("Kessler Precision GmbH", "Great Lakes Components Inc."),
        (("总经理", "总经理办公室"), ("厂长", "生产部"), ("生产总监", "生产部"),
         ("设备经理", "设备部"), ("采购经理", "采购部"), ("IT总监", "信息技术部"),
         ("EHS经理", "安全环保部"), ("行政经理", "行政部")),
        (("Plant Manager", "Production"), ("Purchasing Manager", "Procurement"),
         ("IT Director", "IT")),
        "fleet", "user:wangqiang", 28,
    ),
    Industry(
        "retail", "零售", "Retail",
        (("超市连锁", "超市"), ("商贸", "商贸"), ("便利连锁", "便利"), ("电子商务", "电商"),
         ("百货", "百货")), "retail",
        ("FreshMart Retail Pty Ltd", "Harbourside Stores Ltd."),
        (("总经理", "总经理办公室"), ("运营总监", "运营部"), ("门店运营经理", "门店运营部"),
         ("物流经理", "物流部"), ("采购经理", "采购部"), ("市场总监", "市场部")),
        (("Chief Operating Officer", "Operations"), ("Logistics Manager", "Logistics")),
        "fleet", "user:lina", 24,
    ),
    Industry(
        "finance", "金融", "Finance",
        (("融资租赁", "租赁"), ("汽车金融服务", "汽车金融"), ("保险经纪", "保险")), "finance",
        ("Meridian Auto Finance Ltd.",),
        (("总经理", "总经理办公室"), ("风控总监", "风险管理部"), ("租赁业务部经理", "租赁业务部"),
         ("资产管理经理", "资产管理部"), ("IT总监", "信息技术部"), ("合规经理", "合规部")),
        (("Head of Leasing", "Leasing"), ("Chief Risk Officer", "Risk")),
        "fleet", "user:chenjing", 16,
    ),
    Industry(
        "hospitality", "酒店餐饮", "Hospitality",
        (("酒店管理", "酒店"), ("餐饮管理", "餐饮"), ("文旅发展", "文旅")), "hotels",
        ("Lotus Bay Hotels Sdn Bhd",),
        (("总经理", "总经理办公室"), ("行政总监", "行政部"), ("采购经理", "采购部"),
         ("工程部经理", "工程部"), ("前厅经理", "前厅部"), ("运营总监", "运营部")),
        (("General Manager", "Management"), ("Director of Engineering", "Engineering")),
        "fleet", "user:lina", 18,
    ),
)  # fmt: skip
INDUSTRY_BY_SLUG: dict[str, Industry] = {i.slug: i for i in INDUSTRIES}

COMPANY_FORMS: tuple[str, ...] = ("有限公司", "有限公司", "股份有限公司", "集团有限公司")

INDIVIDUAL_TITLE = "车主"


# --- products -----------------------------------------------------------------


@dataclass(frozen=True)
class ProductDef:
    key: str
    sku: str
    name: str
    category: str
    price: Decimal
    description: str


PRODUCTS: tuple[ProductDef, ...] = (
    ProductDef("e5", "EV-E5-2025", "华辰 E5 纯电轿车 / Huachen E5 sedan", "vehicle",
               Decimal("159800"), "续航 560 km (CLTC)，公务与网约车主力车型。"),
    ProductDef("e7", "EV-E7-2025", "华辰 E7 纯电SUV / Huachen E7 SUV", "vehicle",
               Decimal("229800"), "续航 620 km (CLTC)，带电池热管理 2.0。"),
    ProductDef("v9", "EV-V9-VAN", "华辰 V9 电动物流车 / Huachen V9 e-Van", "vehicle",
               Decimal("186000"), "载重 1.5 吨，城市配送与冷链版可选。"),
    ProductDef("fleet-saas", "SVC-FLEET-YR",
               "车队管理平台（年/车）/ Fleet platform per vehicle-year", "software",
               Decimal("2400"), "实时定位、能耗分析、司机评分。"),
    ProductDef("battery-check", "SVC-BATT-CHK", "电池健康检测 / Battery health check", "service",
               Decimal("299"), "40 项电池包检测，出具健康报告。"),
    ProductDef("charger", "ACC-CHG-7KW", "家用充电桩 7kW / Home charger 7 kW", "accessory",
               Decimal("4999"), "含上门勘测与 30 米安装。"),
    ProductDef("warranty", "SVC-WAR-3Y", "三年延保 / 3-year extended warranty", "service",
               Decimal("6800"), "三电系统延保三年或十万公里。"),
    ProductDef("remote-qc", "MED-RQC-01", "远程质控模块 / Remote quality-control module", "medical",
               Decimal("380000"), "医疗设备远程质控与预防性维护，符合等保 2.0。"),
    ProductDef("imaging-qc", "MED-IQC-02", "医学影像质控平台 / Imaging QC platform", "medical",
               Decimal("620000"), "CT/MR/DR 影像质量自动评估。"),
    ProductDef("monitor", "MED-HM-300", "多参数监护仪 HM-300 / Patient monitor HM-300", "medical",
               Decimal("58000"), "12 导心电、血氧、无创血压。"),
    ProductDef("infusion", "MED-IP-20", "输液泵 IP-20 / Infusion pump IP-20", "medical",
               Decimal("18500"), "双通道，药物库与剂量报警。"),
    ProductDef("med-service", "MED-SVC-YR", "设备维保服务（年）/ Equipment service (annual)",
               "service", Decimal("45000"), "7×24 响应，含备件。"),
)  # fmt: skip

# What a deal of each pipeline sells: (product key, min qty, max qty, name zh, name en).
FLEET_OFFERS: tuple[tuple[str, int, int, str, str], ...] = (
    ("v9", 5, 60, "{qty}台V9电动物流车", "{qty} x V9 e-Van"),
    ("e5", 5, 40, "{qty}台E5公务用车", "{qty} x E5 fleet sedans"),
    ("e7", 3, 20, "{qty}台E7商务用车", "{qty} x E7 SUVs"),
    ("fleet-saas", 20, 300, "车队管理平台 {qty} 车年", "Fleet platform, {qty} vehicle-years"),
)
MEDICAL_OFFERS: tuple[tuple[str, int, int, str, str], ...] = (
    ("remote-qc", 1, 1, "远程质控模块项目", "Remote QC module project"),
    ("imaging-qc", 1, 1, "医学影像质控平台", "Imaging QC platform"),
    ("monitor", 4, 40, "多参数监护仪采购（{qty}台）", "{qty} x HM-300 patient monitors"),
    ("infusion", 10, 80, "输液泵采购（{qty}台）", "{qty} x IP-20 infusion pumps"),
    ("med-service", 1, 3, "设备维保服务 {qty} 年", "Equipment service, {qty} years"),
)


# --- pipelines ----------------------------------------------------------------


@dataclass(frozen=True)
class StageDef:
    name: str
    probability: int
    kind: str  # open | won | lost
    dwell_days: tuple[int, int]  # usual time a deal spends here (open stages)
    loss_chance: float  # chance a deal is lost while in this stage


FLEET_STAGES: tuple[StageDef, ...] = (
    StageDef("线索确认", 10, "open", (3, 12), 0.12),
    StageDef("需求分析", 25, "open", (5, 16), 0.10),
    StageDef("方案演示", 45, "open", (6, 20), 0.10),
    StageDef("试驾评估", 60, "open", (7, 21), 0.08),
    StageDef("商务谈判", 80, "open", (7, 25), 0.12),
    StageDef("赢单", 100, "won", (0, 0), 0.0),
    StageDef("输单", 0, "lost", (0, 0), 0.0),
)
MEDICAL_STAGES: tuple[StageDef, ...] = (
    StageDef("需求调研", 10, "open", (10, 30), 0.10),
    StageDef("方案演示", 30, "open", (10, 28), 0.10),
    StageDef("招标准备", 50, "open", (15, 40), 0.08),
    StageDef("投标", 70, "open", (14, 35), 0.20),
    StageDef("合同谈判", 85, "open", (7, 25), 0.05),
    StageDef("中标", 100, "won", (0, 0), 0.0),
    StageDef("未中标", 0, "lost", (0, 0), 0.0),
)
STAGES_BY_PIPELINE: dict[str, tuple[StageDef, ...]] = {
    "fleet": FLEET_STAGES,
    "medical": MEDICAL_STAGES,
}
PIPELINE_NAMES: dict[str, str] = {
    "fleet": "新车销售 / Fleet sales",
    "medical": "医疗设备项目 / Medical devices",
}

LOST_REASONS_ZH: tuple[str, ...] = (
    "价格因素", "选择了竞品", "预算冻结", "项目取消", "交付周期太长", "资质不符合招标要求",
)  # fmt: skip
LOST_REASONS_EN: tuple[str, ...] = ("Price", "Chose a competitor", "Budget frozen", "No decision")

DEAL_SOURCES: tuple[str, ...] = (
    "客户推荐", "官网表单", "展会", "老客户复购", "电话营销", "招标公告", "合作伙伴",
)  # fmt: skip

LEAD_SOURCES: dict[str, tuple[str, ...]] = {
    "fleet": ("官网表单", "上海国际车展", "微信公众号", "百度推广", "客户推荐"),
    "medical": ("官网表单", "CMEF 中国国际医疗器械博览会", "微信公众号", "客户推荐"),
}


# --- tickets ------------------------------------------------------------------

# category -> ((subject zh, description zh), ...), English twins below.
TICKET_TOPICS: dict[str, tuple[tuple[str, str], ...]] = {
    "battery_range": (
        ("续航明显下降", "满电显示续航与实际行驶里程差距较大，请帮忙检查电池。"),
        ("电池温度告警", "仪表提示电池温度过高，停车后告警仍未消失。"),
    ),
    "charging": (
        ("充电桩无法启动充电", "家用充电桩插枪后无反应，指示灯红色闪烁。"),
        ("快充速度过慢", "在公共快充站充电功率只有 30kW 左右，远低于标称。"),
    ),
    "software_ota": (
        ("OTA 升级失败", "升级到 5.2 版本时进度停在 87%，车机重启后提示升级失败。"),
        ("车机蓝牙连接异常", "升级后手机蓝牙频繁断开，导航声音时有时无。"),
    ),
    "logistics_delay": (
        ("车辆交付延迟", "合同约定的交付日期已过，物流显示车辆仍在中转库。"),
        ("备件到货延迟", "维修所需备件迟迟未到，车辆已停运一周。"),
    ),
    "installation": (
        ("设备安装调试预约", "新到设备需要安排工程师上门安装调试。"),
        ("产线对接调试问题", "设备与产线 MES 系统对接后数据不同步。"),
    ),
    "device_fault": (
        ("监护仪血氧读数异常", "HM-300 血氧读数间歇性跳变，已更换探头仍存在。"),
        ("输液泵报警误触发", "IP-20 在正常输液时频繁报管路阻塞。"),
        ("远程质控数据未上传", "质控模块近三天没有上传设备运行数据。"),
    ),
    "billing": (
        ("发票信息有误", "开具的增值税专用发票抬头与合同不一致，需要重开。"),
        ("付款账期咨询", "想了解车队采购的分期与账期方案。"),
    ),
    "complaint": (
        ("服务态度投诉", "预约保养时客服多次改期且没有提前通知。"),
        ("维修质量投诉", "同一问题返修三次仍未解决。"),
    ),
}
TICKET_TOPICS_EN: dict[str, tuple[tuple[str, str], ...]] = {
    "battery_range": (("Range dropped noticeably", "Real range is far below the estimate."),),
    "charging": (("Charger will not start", "The home charger blinks red and does not charge."),),
    "software_ota": (("OTA update failed", "The update stopped at 87% and rolled back."),),
    "logistics_delay": (("Vehicle delivery delayed", "Delivery date passed; still in transit."),),
    "installation": (("Installation appointment", "Please send an engineer for the setup."),),
    "device_fault": (("Monitor SpO2 readings unstable", "Readings jump even with a new probe."),),
    "billing": (("Invoice needs correcting", "The invoice address does not match the contract."),),
    "complaint": (("Repeated repair", "The same fault has been repaired three times."),),
}  # fmt: skip
TICKET_CATEGORY_BY_PIPELINE: dict[str, tuple[str, ...]] = {
    "fleet": (
        "battery_range",
        "charging",
        "software_ota",
        "logistics_delay",
        "billing",
        "complaint",
    ),
    "medical": ("installation", "device_fault", "billing", "logistics_delay", "complaint"),
    "individual": ("battery_range", "charging", "software_ota", "complaint", "billing"),
    "manufacturing": ("installation", "logistics_delay", "billing", "software_ota"),
}


# --- messages -------------------------------------------------------------------

# (subject, text) per deal stage position (0-based open stage index) and direction.
DEAL_MESSAGES_ZH: dict[str, tuple[tuple[str, str], ...]] = {
    "outbound": (
        (
            "初次拜访确认",
            "{contact}您好，我是华辰科技的{rep}，想约您下周花半小时了解一下贵司的{need}需求。",
        ),
        (
            "需求调研纪要",
            "{contact}您好，附件是上次沟通的需求纪要，请帮忙确认{need}的数量和时间表。",
        ),
        ("方案演示邀请", "{contact}您好，我们为{account}准备了定制方案，想约时间做一次方案演示。"),
        ("方案与报价", "{contact}您好，附件是{offer}的方案和报价，有效期 30 天，欢迎随时沟通。"),
        ("合同条款确认", "{contact}您好，合同草稿已发到您邮箱，付款节点和交付条款请重点看一下。"),
        ("节日问候", "{contact}您好，中秋将至，华辰科技全体同事祝您和家人节日快乐！"),
    ),
    "inbound": (
        ("回复：需求", "我们今年计划更新一批车辆/设备，具体数量还在内部讨论，预算大概在下季度批。"),
        ("回复：方案", "方案收到了，我们比较关心售后响应时间和备件供应，能否补充一下？"),
        ("回复：报价", "价格比我们预期高一些，如果量再加一点，能不能再给些优惠？"),
        ("回复：演示", "演示效果不错，下周我们领导也想一起看一下，方便再安排一次吗？"),
        ("资料索取", "麻烦把产品彩页和典型客户案例发我一份，我转给采购部门。"),
        ("回复：合同", "法务对违约责任条款有修改意见，已标注在附件里，请查收。"),
    ),
}
DEAL_MESSAGES_EN: dict[str, tuple[tuple[str, str], ...]] = {
    "outbound": (
        ("Introduction",
         "Hi {contact}, this is {rep} from Huachen. Could we talk about {need} next week?"),
        ("Proposal and pricing", "Hi {contact}, please find attached our proposal for {offer}."),
        ("Demo invitation",
         "Hi {contact}, we have prepared a tailored demo for {account}. When suits you?"),
        ("Contract draft",
         "Hi {contact}, the contract draft is attached; payment terms are on page 4."),
    ),
    "inbound": (
        ("Re: proposal", "Thanks, the proposal looks good. Our board meets next month to decide."),
        ("Re: pricing", "The price is above our budget. Is there room if we increase the volume?"),
        ("Re: demo", "The demo went well. Could you share references from similar customers?"),
        ("Question", "What is the lead time for delivery to {city}?"),
    ),
}  # fmt: skip

TICKET_REPLIES_ZH: tuple[str, ...] = (
    "您好，已收到您的反馈，工程师会在 2 小时内与您联系。",
    "您好，问题已定位，我们会安排备件并尽快上门处理。",
    "您好，请问问题是否已经解决？如有需要随时联系我们。",
    "您好，为了进一步排查，麻烦提供一下车辆 VIN 码和故障发生时间。",
)
TICKET_REPLIES_EN: tuple[str, ...] = (
    "Hello, we received your report; an engineer will contact you within 2 hours.",
    "Hello, we found the cause and will send a technician with the spare part.",
    "Hello, could you confirm the issue is resolved? We are here if you need us.",
)
TICKET_FOLLOWUPS_ZH: tuple[str, ...] = (
    "请问处理进度怎么样了？已经等了好几天。",
    "工程师来过了，问题暂时没有再出现，谢谢。",
    "补充一下：问题一般在早上低温时出现。",
)
TICKET_FOLLOWUPS_EN: tuple[str, ...] = (
    "Any update on this? It has been several days.",
    "The engineer visited; the issue has not come back. Thanks.",
)

OWNER_APP_MESSAGES: tuple[tuple[str, str], ...] = (
    ("预约保养", "想预约下周六上午的常规保养，最近的服务站是哪一家？"),
    ("充电桩安装进度", "家用充电桩申请两周了，什么时候可以上门勘测？"),
    ("OTA 升级咨询", "这次 OTA 升级都更新了哪些功能？升级需要多长时间？"),
    ("用车评价", "车整体很满意，就是后排空调出风有点小。给五星。"),
    ("冬季续航", "天冷以后续航掉得有点多，是正常现象吗？"),
    ("积分兑换", "App 里的积分可以兑换充电券吗？"),
)
OWNER_CHAT_MESSAGES: tuple[tuple[str, str], ...] = (
    ("在线咨询", "你好，电池质保是八年还是十六万公里？"),
    ("在线咨询", "请问异地可以在你们的服务站做保养吗？"),
    ("在线咨询", "车钥匙丢了一把，补配多少钱？"),
)
GENERAL_WECHAT: tuple[tuple[str, str], ...] = (
    ("发票寄送", "发票已经收到了，谢谢。"),
    ("会议确认", "周四下午两点的会议没问题，我带上我们运营的同事。"),
    ("资料", "上次说的案例材料麻烦再发我一下。"),
    ("节日问候", "新年快乐！感谢这一年的支持。"),
    ("到访安排", "下周二我们去你们工厂参观，麻烦安排一下接待。"),
)
GENERAL_PHONE: tuple[tuple[str, str], ...] = (
    ("电话回访", "回访季度使用情况，客户整体满意，提出希望增加培训。"),
    ("电话沟通", "客户询问新款车型上市时间和置换政策。"),
    ("电话沟通", "确认下月到货安排，客户希望分两批交付。"),
    ("来电咨询", "客户来电咨询发票和付款流程，已转财务。"),
)
GENERAL_PHONE_EN: tuple[tuple[str, str], ...] = (
    ("Call", "Quarterly check-in; customer is satisfied and asked about training."),
    ("Call", "Discussed delivery schedule for next month; two shipments preferred."),
)

# Marketing touches sent by the marketing automation (purpose: marketing).
MARKETING_MESSAGES: tuple[tuple[str, str, str], ...] = (
    ("winter-care-2026", "【华辰】冬季用车关怀",
     "低温驾驶技巧：出发前预热电池，续航更持久。点击预约免费电池健康检测。"),
    ("ota-5-2", "【华辰】OTA 5.2 新功能", "新增电池预加热与智能充电规划，今晚即可升级。"),
    ("referral-q3", "【华辰】老带新礼遇", "推荐好友购车，双方各得 3000 元充电礼包。"),
    ("charger-promo", "【华辰】充电桩限时优惠", "家用充电桩立减 800 元，含免费安装。"),
    ("service-week", "【华辰】服务周", "本周到店保养享工时 8 折，并赠送空调滤芯。"),
)  # fmt: skip

WEB_PAGES: tuple[tuple[str, str], ...] = (
    ("首页", "https://www.huachen.example/"),
    ("华辰 E7 车型页", "https://www.huachen.example/ev/e7"),
    ("V9 电动物流车", "https://www.huachen.example/ev/v9"),
    ("车队管理平台", "https://www.huachen.example/fleet/platform"),
    ("金融与租赁方案", "https://www.huachen.example/fleet/finance"),
    ("多参数监护仪", "https://www.huachen-med.example/products/hm-300"),
    ("医学影像质控平台", "https://www.huachen-med.example/products/imaging-qc"),
    ("客户案例", "https://www.huachen.example/cases"),
    ("售后服务网点", "https://www.huachen.example/service/locations"),
)
REMOTE_QC_PAGE = "远程质控模块"
REMOTE_QC_URL = "https://www.huachen-med.example/products/remote-qc"
WEB_REFERRERS: tuple[str, ...] = ("baidu", "wechat", "direct", "bing", "email")

ACTIVITY_TASKS_ZH: tuple[str, ...] = (
    "准备{account}方案演示材料", "给{contact}发送报价单", "跟进{account}招标文件",
    "确认{account}付款节点", "安排{account}试驾/试用", "整理{account}需求清单",
)  # fmt: skip
ACTIVITY_TASKS_EN: tuple[str, ...] = (
    "Send pricing to {contact}",
    "Prepare demo for {account}",
    "Follow up on {account} decision",
)
ACTIVITY_NOTES_ZH: tuple[str, ...] = (
    "客户更关注电池质保和残值，下次带上第三方残值报告。",
    "决策链：使用部门提需求，采购部比价，总经理拍板。",
    "竞品报价低 5% 左右，但交付周期更长。",
    "客户希望先小批量试用，再决定二期采购。",
)
ACTIVITY_NOTES_EN: tuple[str, ...] = (
    "Decision by the board next month; procurement compares three vendors.",
    "They care most about service response times and spare parts.",
)
MEETING_SUBJECTS_ZH: tuple[str, ...] = (
    "{account}方案演示会", "{account}需求沟通会", "{account}商务谈判", "{account}季度业务回顾",
)  # fmt: skip
MEETING_SUBJECTS_EN: tuple[str, ...] = ("{account} solution demo", "{account} quarterly review")
GENERAL_EMAIL: tuple[tuple[str, str], ...] = (
    ("对账单", "附件是本季度对账单，请查收并在月底前确认。"),
    ("会议纪要", "附件是今天会议的纪要和待办事项，请补充。"),
    ("培训安排", "车队管理平台的操作培训定在下周三下午，地点在贵司三楼会议室。"),
)
GENERAL_EMAIL_EN: tuple[tuple[str, str], ...] = (
    ("Quarterly statement", "Please find attached the statement for this quarter."),
    ("Meeting notes", "Attached are the notes and action items from today's call."),
    ("Training", "The platform training is scheduled for next Wednesday at 3 pm."),
)

# Marketing campaigns and how many days before the anchor each went out.
CAMPAIGN_DAYS_AGO: dict[str, int] = {
    "winter-care-2026": 20,
    "ota-5-2": 60,
    "referral-q3": 150,
    "charger-promo": 220,
    "service-week": 300,
}

# The cell batch of the Harbin cohort whose batteries age too fast (S11).
HARBIN_COHORT_BATCH = "CB-2411K"
RATED_RANGE_KM: dict[str, int] = {"e5": 560, "e7": 620}
MODEL_LABELS: dict[str, str] = {"e5": "E5", "e7": "E7"}
