"""`clinic-scheduler print day|week|card`: PDF files with the clinic's name from the config file and every live
appointment of the day, read back with pypdf; a wrong argument exits 2 and writes no file."""

from app.domain.models import BookingRequest
from app.services import booking
from tests.cli.runner import run_one
from tests.cli.test_cli import DAY, at
from tests.pdf_text import pdf_pages


def test_print_writes_the_day_week_and_card_as_pdf(cli_env, desk, real_clinic, tmp_path):
    (tmp_path / "no-config.toml").write_text('clinic_name = "Praxis am Markt"\nclinic_address = "Marktplatz 1"\n')
    for hour, person in ((9, "ada"), (10, "bob")):
        request = BookingRequest(provider_id=desk["provider"], patient_id=desk[person], start=at(DAY, hour))
        booking.book(real_clinic, request)
    day, week, card = tmp_path / "day.pdf", tmp_path / "week.pdf", tmp_path / "card.pdf"
    provider = ["--provider", str(desk["provider"])]

    printed = run_one(cli_env, "print", "day", "--date", DAY.isoformat(), *provider, "--pdf", str(day))
    assert (printed.code, printed.out.strip()) == (0, f"wrote {day} (1 page)"), printed.err
    (text,) = pdf_pages(day)
    assert "Praxis am Markt" in text and "Dr. Command Line" in text and "Page 1 of 1" in text
    assert "09:00–09:30 Ada" in text and "10:00–10:30 Bob" in text

    letter = run_one(
        cli_env, "print", "week", "--date", DAY.isoformat(), *provider, "--paper", "letter", "--pdf", str(week)
    )
    assert letter.code == 0, letter.err
    assert "Ada" in pdf_pages(week)[0]
    with_card = run_one(cli_env, "print", "card", "--patient", str(desk["ada"]), "--pdf", str(card))
    assert with_card.code == 0, with_card.err
    assert "Marktplatz 1" in pdf_pages(card)[0]


def test_a_wrong_argument_is_named_and_writes_nothing(cli_env, desk, tmp_path):
    target = tmp_path / "never.pdf"
    wrong = run_one(cli_env, "print", "day", "--date", "tomorrow", "--pdf", str(target))
    assert (wrong.code, wrong.err.strip()) == (2, "error: date: 'tomorrow' is not a date (YYYY-MM-DD)")
    both = run_one(
        cli_env, "print", "day", "--date", "2030-01-08", "--provider", "1", "--room", "1", "--pdf", str(target)
    )
    assert both.code == 2 and "not allowed with argument" in both.err
    assert not target.exists()
