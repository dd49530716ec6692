"""Synthetic but valid residents for demo data and benchmarks: names, ID numbers, phones, addresses."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建华红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣悦思雨子涵梓轩一诺浩然欣怡佳琪晨阳文博志强淑珍凤英海燕建国建军国庆"
# Real 6-digit address codes of a few Hangzhou districts and some elsewhere, including retired ones
# (people keep their numbers for life).
REGIONS = (
    "330102",
    "330103",
    "330104",
    "330105",
    "330106",
    "330108",
    "330109",
    "330110",
    "110101",
    "110103",
    "110105",
    "310104",
    "320102",
    "420106",
    "510104",
    "440106",
)
COMMUNITIES = (
    "幸福社区",
    "和平社区",
    "朝阳社区",
    "东园社区",
    "西湖社区",
    "新桥社区",
    "春晖社区",
    "文苑社区",
)
STREETS = ("幸福路", "和平路", "朝阳街", "东园路", "学院路", "新桥街", "春晖路", "文苑路")


@dataclass(frozen=True)
class FakePerson:
    """A synthetic resident with a valid ID number (demo data only)."""

    id_number: str
    name: str
    sex: str
    birth_date: date
    phone: str
    address: str
    community: str
    grid: str


def make_id_number(rng: random.Random, birth: date, female: bool) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
    body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def make_person(rng: random.Random, today: date, used: set[str]) -> FakePerson:
    age_years = int(rng.triangular(18, 92, 55))
    birth = today - timedelta(days=age_years * 365 + rng.randrange(0, 365))
    female = rng.random() < 0.52
    while True:
        number = make_id_number(rng, birth, female)
        if number not in used:
            used.add(number)
            break
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.75 else "")
    community = rng.choice(COMMUNITIES)
    return FakePerson(
        id_number=number,
        name=rng.choice(SURNAMES) + given,
        sex="女" if female else "男",
        birth_date=birth,
        phone=f"1{rng.choice('35789')}{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}",
        address=f"示范区{rng.choice(STREETS)}{rng.randrange(1, 400)}号{rng.randrange(1, 30)}幢{rng.randrange(101, 2605)}室",
        community=community,
        grid=f"{community}第{rng.randrange(1, 9)}网格",
    )
