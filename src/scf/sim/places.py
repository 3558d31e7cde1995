"""Shenzhen as the simulator draws it: districts, the key industrial chains, names, streets."""

from __future__ import annotations

from dataclasses import dataclass

# district -> (Chinese name, six-digit administrative code used in USCCs and ID numbers)
DISTRICTS: dict[str, tuple[str, str]] = {
    "futian": ("福田", "440304"),
    "luohu": ("罗湖", "440303"),
    "nanshan": ("南山", "440305"),
    "yantian": ("盐田", "440308"),
    "baoan": ("宝安", "440306"),
    "longgang": ("龙岗", "440307"),
    "longhua": ("龙华", "440309"),
    "pingshan": ("坪山", "440310"),
    "guangming": ("光明", "440311"),
    "dapeng": ("大鹏", "440307"),
    "qianhai": ("前海", "440305"),
    "shenshan": ("深汕", "440300"),
}


@dataclass(frozen=True)
class Chain:
    """A key industrial chain: where its firms sit, the words in their names, what they sell."""

    tag: str
    core_districts: tuple[str, ...]
    sme_districts: tuple[str, ...]
    core_word: str
    sme_words: tuple[str, ...]
    items: tuple[tuple[str, str, int, int], ...]  # (item, unit, min price, max price) in yuan
    currencies: tuple[str, ...] = ("CNY",)
    weight: float = 1.0


CHAINS: tuple[Chain, ...] = (
    Chain(
        "new_energy_vehicles",
        ("pingshan", "baoan"),
        ("pingshan", "baoan", "longgang", "guangming", "longhua"),
        "新能源汽车",
        ("动力电池", "电驱科技", "汽车零部件", "精密模具", "线束"),
        (
            ("动力电池模组", "套", 8000, 30000),
            ("电机控制器", "台", 2000, 9000),
            ("车身结构件", "件", 80, 900),
            ("高压线束总成", "套", 300, 2000),
        ),
        weight=1.6,
    ),
    Chain(
        "consumer_electronics",
        ("baoan", "longhua", "nanshan"),
        ("baoan", "longhua", "longgang", "guangming"),
        "智能终端",
        ("电子", "精密五金", "显示科技", "电路板", "塑胶制品"),
        (
            ("手机主板", "片", 150, 900),
            ("显示模组", "片", 60, 600),
            ("锂电池电芯", "只", 15, 80),
            ("精密结构件", "件", 5, 60),
        ),
        weight=1.5,
    ),
    Chain(
        "semiconductors",
        ("nanshan",),
        ("nanshan", "baoan", "longhua", "futian"),
        "半导体",
        ("微电子", "封测", "芯片设计", "材料科技"),
        (
            ("晶圆", "片", 1500, 12000),
            ("封装基板", "片", 20, 200),
            ("光刻胶", "升", 800, 4000),
            ("芯片测试服务", "批", 5000, 50000),
        ),
    ),
    Chain(
        "gold_jewelry",
        ("luohu",),
        ("luohu", "futian", "longgang"),
        "珠宝黄金",
        ("珠宝", "金饰加工", "首饰设计"),
        (
            ("足金饰品", "克", 520, 640),
            ("K金镶嵌饰品", "件", 800, 6000),
            ("黄金原料", "克", 480, 560),
        ),
    ),
    Chain(
        "port_logistics",
        ("yantian",),
        ("yantian", "longgang", "luohu"),
        "国际港航",
        ("货运代理", "集装箱服务", "报关"),
        (
            ("集装箱运输服务", "箱", 1500, 6000),
            ("报关代理服务", "票", 200, 1500),
            ("堆场仓储服务", "天", 300, 2000),
        ),
    ),
    Chain(
        "bonded_fuel",
        ("yantian",),
        ("yantian", "nanshan"),
        "保税燃料",
        ("石油化工", "船舶供应", "能源贸易"),
        (("保税船用燃料油", "吨", 3800, 5200), ("润滑油", "桶", 800, 2400)),
        weight=0.6,
    ),
    Chain(
        "cross_border_ecommerce",
        ("longgang",),
        ("longgang", "longhua", "baoan"),
        "跨境电商",
        ("数码", "家居用品", "电商供应链", "智能穿戴"),
        (
            ("蓝牙耳机", "只", 30, 180),
            ("智能手表", "只", 120, 600),
            ("家居收纳用品", "件", 10, 90),
        ),
    ),
    Chain(
        "food_tourism",
        ("dapeng",),
        ("dapeng", "longgang", "yantian"),
        "文旅食品",
        ("海产", "食品", "文旅服务", "农业"),
        (
            ("海鲜干货礼盒", "盒", 80, 600),
            ("预制菜", "箱", 60, 300),
            ("文旅套票", "张", 100, 800),
        ),
        weight=0.7,
    ),
    Chain(
        "cross_border_trade",
        ("qianhai",),
        ("qianhai", "futian", "nanshan"),
        "跨境贸易",
        ("国际贸易", "供应链管理", "电子元器件"),
        (
            ("电子元器件", "千只", 300, 3000),
            ("大宗商品（铜）", "吨", 60000, 75000),
            ("供应链管理服务", "项", 10000, 80000),
        ),
        currencies=("HKD", "USD"),
        weight=0.8,
    ),
)
CHAIN_BY_TAG = {c.tag: c for c in CHAINS}

BIRTHPLACES = (
    "440300",
    "440300",
    "440100",
    "440600",
    "430100",
    "360100",
    "420100",
    "450100",
    "350100",
    "510100",
)
SYLLABLES = "华鑫恒创达兴盛通瑞泰宏博新源嘉信安鸿富海金联汇捷凯晟宇明德润辉"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华慧建国志红"
STREETS = (
    "科技园路",
    "工业大道",
    "创业路",
    "深南大道",
    "宝安大道",
    "龙岗大道",
    "沿港路",
    "前海大道",
)
