"""Shared vocabularies and their mappings to national-portal codes (domain.md §1.3, §2.2, §2.13)."""

import pytest

from contracts.enums import (
    ApplicantKind,
    CalendarDayKind,
    Channel,
    DigitisationSource,
    DvcqgStatus,
    OnlinePaymentCode,
    PaymentMethod,
)


@pytest.mark.parametrize(
    ("channel", "code"), [(Channel.COUNTER, 1), (Channel.ONLINE, 2), (Channel.POSTAL, 3)]
)
def test_channel_maps_to_kenh_thuc_hien_and_back(channel: Channel, code: int) -> None:
    assert channel.kenh_thuc_hien == code
    assert Channel.from_kenh_thuc_hien(code) is channel


def test_missing_channel_means_counter_and_unknown_codes_are_refused() -> None:
    assert Channel.from_kenh_thuc_hien(None) is Channel.COUNTER
    with pytest.raises(ValueError, match="KenhThucHien 4"):
        Channel.from_kenh_thuc_hien(4)


@pytest.mark.parametrize(
    ("method", "code"),
    [
        (PaymentMethod.CASH_COUNTER, 0),
        (PaymentMethod.BANK_TRANSFER, 0),
        (PaymentMethod.POSTAL_COLLECTED, 0),
        (PaymentMethod.ONLINE_NATIONAL, 1),
        (PaymentMethod.ONLINE_LOCAL, 2),
    ],
)
def test_payment_method_maps_to_duoc_thanh_toan_truc_tuyen(method: PaymentMethod, code: int) -> None:
    assert method.online_payment_code == OnlinePaymentCode(code)


def test_dvcqg_statuses_are_the_ten_codes_with_vietnamese_labels() -> None:
    assert [status.value for status in DvcqgStatus] == list(range(1, 11))
    assert DvcqgStatus(9).label_vi == "Đã xử lý xong"
    assert DvcqgStatus.APPLICANT_WITHDREW.label_vi == "Công dân yêu cầu rút hồ sơ"


def test_applicant_kind_maps_to_loai_doi_tuong() -> None:
    assert (ApplicantKind.CITIZEN.loai_doi_tuong, ApplicantKind.ORGANISATION.loai_doi_tuong) == (1, 2)


def test_only_make_up_days_are_working_days_and_reuse_sources_count_for_766() -> None:
    assert [kind for kind in CalendarDayKind if kind.is_working_day] == [CalendarDayKind.MAKE_UP_WORKING_DAY]
    assert {source for source in DigitisationSource if source.is_reuse} == {
        DigitisationSource.FROM_DATA_STORE,
        DigitisationSource.REUSED_FROM_OTHER_COMPONENT,
        DigitisationSource.REUSED_FROM_PREVIOUS_RESULT,
    }
