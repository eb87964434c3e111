"""Organisations, regions and sales regions moved from party to tenancy without touching a
table: a database at the old head keeps every row and every foreign key after upgrading."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD_HEAD = [
    ("tenancy", None),
    ("party", "0003_tags_unicode"),
    ("access", "0003_scoped_tokens"),
    ("catalog", "0001_initial"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    nodes = [node for node in targets if node[1] is not None]
    executor.migrate(targets)
    return executor.loader.project_state(nodes).apps


def _latest():
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_old_head_upgrades_without_losing_a_row():
    latest = _latest()
    try:
        # given a database at the old head, with organisations, a sales region mapped to a
        # province, a customer in both, a user and a product of the organisation
        old = _migrate(OLD_HEAD)
        Org = old.get_model("party", "Organization")
        Region = old.get_model("party", "Region")
        SalesRegion = old.get_model("party", "SalesRegion")
        group = Org.objects.create(code="G", name="集团", kind="group", path="")
        group.path = f"/{group.pk}/"
        group.save()
        province = Region.objects.create(code="310000", name="上海市", level=1)
        area = SalesRegion.objects.create(org=group, code="AREA", name="华东大区", kind="area")
        area.regions.add(province)
        customer = old.get_model("party", "Customer").objects.create(
            org=group,
            code="C1",
            name="客户",
            kind="distributor",
            sales_region=area,
            region=province,
        )
        user = old.get_model("access", "User").objects.create(username="u", org=group)
        assignment = old.get_model("access", "RoleAssignment").objects.create(
            user=user,
            role=old.get_model("access", "Role").objects.create(code="r", name="r"),
            scope_kind="regions",
        )
        assignment.sales_regions.add(area)
        old.get_model("catalog", "Brand").objects.create(org=group, code="B", name="品牌")

        # when the new migrations run
        new = _migrate(latest)

        # then tenancy owns the same rows, and every foreign key still finds them
        NewOrg = new.get_model("tenancy", "Organization")
        assert NewOrg.objects.get(code="G").path == f"/{group.pk}/"
        new_area = new.get_model("tenancy", "SalesRegion").objects.get(code="AREA")
        assert list(new_area.regions.values_list("code", flat=True)) == ["310000"]
        c = new.get_model("party", "Customer").objects.get(pk=customer.pk)
        assert (c.org.code, c.sales_region.code, c.region.name) == ("G", "AREA", "上海市")
        u = new.get_model("access", "User").objects.get(pk=user.pk)
        assert u.org.code == "G"
        a = new.get_model("access", "RoleAssignment").objects.get(pk=assignment.pk)
        assert list(a.sales_regions.values_list("code", flat=True)) == ["AREA"]
        assert new.get_model("catalog", "Brand").objects.get(code="B").org.code == "G"
    finally:
        _migrate(latest)
