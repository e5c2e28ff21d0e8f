"""The per-step sync records of domain.md §2.13 (QuaTrinhXuLy) carried in every push: who handled each step,
in which unit, when, with its due time by rule; the job title (ChucDanh) no event carries stays empty."""

from __future__ import annotations

from portal_sync_kit import Story, at

from contracts.enums import StepKind, StepOutcome
from projections.portal_view import portal_transitions


def test_each_step_and_status_change_becomes_a_record_with_what_the_events_carry() -> None:
    s = Story()
    submitted, received, assigned = s.submitted(at(2, 8)), s.received(at(2, 9)), s.assigned(at(2, 10))
    completed = s.make(
        "processing.processing-step-completed",
        at(4, 16),
        step=StepKind.APPRAISAL,
        unit_code="H44.06.01.01",
        started_at=at(2, 10),
        step_due_at=at(9, 17),
        outcome=StepOutcome.SATISFACTORY,
        note="Đủ điều kiện",
    )
    pushes = portal_transitions([submitted, received, assigned, completed, s.issued(at(5, 15))])
    steps = pushes[-1].payload["QuaTrinhXuLy"]
    assert [r["TrangThai"] for r in steps] == [1, 2, 4, 4, 9]
    on_submission, on_receipt, on_assignment, step, issued = steps
    assert on_submission["NguoiXuLy"] is None  # the applicant submitted online: not a handling officer
    assert on_receipt["NguoiXuLy"] == "cb.h44100.tiepnhan02" and on_receipt["PhongBanXuLy"] == "H44.100"
    assert on_receipt["NgayKetThucTheoQuyDinh"] == "20260311152000"  # the promised return time
    assert on_assignment["NguoiXuLy"] == "cv.h44060101.dangkydat03"
    assert on_assignment["PhongBanXuLy"] == "Chi nhánh Văn phòng Đăng ký đất đai khu vực Sơn Hà"
    assert on_assignment["NoiDungXuLy"] == "Phân công xử lý bước Thẩm định"
    assert on_assignment["NgayKetThucTheoQuyDinh"] == "20260307100000"  # step_due_at = +5 days in the kit
    assert (step["NgayBatDau"], step["ThoiDiemXuLy"], step["NgayKetThucTheoQuyDinh"]) == (
        "20260302100000",
        "20260304160000",
        "20260309170000",
    )
    assert step["PhongBanXuLy"] == "H44.06.01.01" and step["NoiDungXuLy"].endswith(": Đủ điều kiện")
    assert issued["NoiDungXuLy"] == "Đã xử lý xong, ban hành kết quả"
    assert all(r["ChucDanh"] is None for r in steps)
    assert [len(p.payload["QuaTrinhXuLy"]) for p in pushes] == [1, 2, 3, 5]  # each push is a snapshot
    assert on_assignment["ThoiDiemXuLy"] == "20260302100000"
