"""Catalogue use cases: import a publication, list and search matters, read one matter's full spec."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date

from sqlalchemy import select, update

from app.db.models import (
    CataloguePublicationRow,
    Matter,
    MatterFormField,
    MatterMaterial,
    ServiceGroup,
)
from app.db.types import new_id, utcnow
from app.domain.catalogue import (
    CataloguePublication,
    MatterSpec,
    matter_from_dict,
    matter_to_dict,
)
from app.domain.pinyin_search import closeness, matches, name_keys, search_text
from app.services.context import ServiceContext
from app.services.dto import ImportResult, MatterSummary


def publication_hash(pub: CataloguePublication) -> str:
    raw = json.dumps(asdict(pub), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _summary(m: Matter) -> MatterSummary:
    return MatterSummary(
        code=m.code,
        name=m.name,
        department=m.department,
        case_type=m.case_type,
        promised_days=m.promised_days,
        legal_days=m.legal_days,
        service_group=m.service_group,
        version=m.version,
    )


class CatalogueService:
    """The matter catalogue: import a publication, list, search and read matters."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def import_publication(self, pub: CataloguePublication) -> ImportResult:
        """Store a publication and make it current; older versions stay for the cases taken under them."""
        digest = publication_hash(pub)
        departments = len({m.department for m in pub.matters})
        with self.ctx.uow() as uow:
            s = uow.session
            existing = s.scalars(
                select(CataloguePublicationRow).where(
                    CataloguePublicationRow.version == pub.version
                )
            ).one_or_none()
            if existing is not None:
                if existing.content_hash != digest:
                    raise ValueError(
                        f"目录版本 {pub.version} 已导入且内容不同：发布新内容须使用新的版本号"
                    )
                return ImportResult(pub.version, len(pub.matters), departments, True)
            s.execute(update(CataloguePublicationRow).values(current=False))
            s.execute(update(Matter).values(current=False))
            s.add(
                CataloguePublicationRow(
                    id=new_id(),
                    version=pub.version,
                    published_on=pub.published_on,
                    publisher=pub.publisher,
                    content_hash=digest,
                    imported_at=utcnow(),
                    current=True,
                )
            )
            groups = {g.code: g for g in s.scalars(select(ServiceGroup))}
            for g in pub.service_groups:
                row = groups.get(g.code) or ServiceGroup(id=new_id(), code=g.code)
                row.prefix, row.name, row.departments = g.prefix, g.name, list(g.departments)
                s.add(row)
            for m in pub.matters:
                s.add(self._matter_row(m, pub.version))
        return ImportResult(pub.version, len(pub.matters), departments, False)

    @staticmethod
    def _matter_row(m: MatterSpec, version: str) -> Matter:
        row = Matter(
            id=new_id(),
            code=m.code,
            version=version,
            current=True,
            name=m.name,
            department=m.department,
            category=m.category,
            case_type=m.case_type.value,
            legal_days=m.legal_days,
            promised_days=m.promised_days,
            service_group=m.service_group,
            deciding_body=m.deciding_body,
            fee=m.fee,
            search_text=search_text(m.name, m.code, m.department, *m.keywords)[:500],
            name_keys=name_keys(m.name),
            spec=matter_to_dict(m),
        )
        row.materials = [
            MatterMaterial(
                id=new_id(),
                position=i,
                code=mat.code,
                name=mat.name,
                form=mat.form.value,
                copies=mat.copies,
                required=mat.required,
                deferrable=mat.deferrable,
                where_to_get=mat.where_to_get,
            )
            for i, mat in enumerate(m.materials)
        ]
        row.form_fields = [
            MatterFormField(
                id=new_id(),
                position=i,
                key=f.key,
                label=f.label,
                kind=f.kind.value,
                required=f.required,
                max_length=f.max_length,
                choices=list(f.choices),
            )
            for i, f in enumerate(m.form_fields)
        ]
        return row

    def current_version(self) -> str | None:
        with self.ctx.uow(read_only=True) as uow:
            return uow.session.scalars(
                select(CataloguePublicationRow.version).where(CataloguePublicationRow.current)
            ).one_or_none()

    def list_matters(self) -> list[MatterSummary]:
        with self.ctx.uow(read_only=True) as uow:
            rows = uow.session.scalars(select(Matter).where(Matter.current).order_by(Matter.code))
            return [_summary(m) for m in rows]

    def search_matters(
        self, query: str, usage: dict[str, int] | None = None
    ) -> list[MatterSummary]:
        """Matters whose name, code, keywords or their pinyin (全拼 or 首字母) contain the query,
        most used first (usage: matter code → times taken in), then those whose name (or a part
        of it) starts with the query before those that only contain it, then by code."""
        usage = usage or {}
        with self.ctx.uow(read_only=True) as uow:
            rows = list(uow.session.scalars(select(Matter).where(Matter.current)))
        found = [m for m in rows if not query.strip() or matches(query, m.search_text)]
        found.sort(
            key=lambda m: (-usage.get(m.code, 0), closeness(query, m.name, m.name_keys), m.code)
        )
        return [_summary(m) for m in found]

    def matter(self, code: str, version: str | None = None) -> MatterSpec:
        with self.ctx.uow(read_only=True) as uow:
            stmt = select(Matter).where(Matter.code == code)
            stmt = stmt.where(Matter.version == version) if version else stmt.where(Matter.current)
            row = uow.session.scalars(stmt).one_or_none()
            if row is None:
                raise KeyError(code)
            return matter_from_dict(row.spec)


def today_in(ctx: ServiceContext) -> date:
    from app.clock import business_date

    return business_date(ctx.clock())
