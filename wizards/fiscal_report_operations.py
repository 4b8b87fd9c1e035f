"""The operations of the report wizard: each runs one ``FiscalDevice`` interface method through
the fiscal journal (``fiscal.device._run_report`` / ``_run_service``) and returns its
``JournalResult``; ``action_run`` dispatches to ``_run_<report_type>``."""

from collections import Counter, defaultdict
from dataclasses import asdict
from decimal import Decimal

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import Capability, DocumentKind
from ..models.fiscal_document_total import ServiceResult
from .fiscal_report import duration_text


class FiscalReportWizard(models.TransientModel):
    _inherit = "fiscal.report.wizard"

    def _report_options(self, device):
        # departments and articles on X / Z reports: only families with those reports print them
        family = device._family()
        options = {}
        if family.supports(Capability.DEPARTMENT_REPORT):
            options["departments"] = self.include_departments
        if family.supports(Capability.ARTICLE_REPORT):
            options["items"] = self.include_articles
        return options

    def _run_x_report(self, device):
        return device._run_report(DocumentKind.X_REPORT, **self._report_options(device))

    def _run_z_report(self, device):
        device._check_shift_to_close()
        return device._run_report(DocumentKind.Z_REPORT, **self._report_options(device))

    def _run_periodic_report(self, device):
        self._check_dates()
        start, end = self.date_from, self.date_to
        request = {"startDate": fields.Datetime.to_string(start)}
        request["endDate"] = fields.Datetime.to_string(end)
        return device._run_service(
            "periodic_report",
            request,
            lambda driver: driver.periodic_report(start, end),
        )

    def _run_control_tape(self, device):
        return device._run_service(
            "control_tape", {"operation": "getControlTape"}, self._control_tape
        )

    def _run_ej_print(self, device):
        start, end = self._range(device)
        documents = [choice.code for choice in self._filters().documents]
        if self.ej_receipt_filter not in documents:
            raise UserError(
                _(
                    "Choose which documents of the electronic journal %(device)s prints: "
                    "%(documents)s.",
                    device=device.display_name,
                    documents=", ".join(choice.label for choice in self._filters().documents),
                )
            )
        request = {"receiptFilter": self.ej_receipt_filter, "filter": self.ej_range_filter}
        request.update({"from": start, "to": end})
        receipt_filter, range_filter = self.ej_receipt_filter, self.ej_range_filter
        return self._print_on(
            device,
            "ej_print",
            request,
            lambda driver: driver.print_electronic_journal(
                receipt_filter, range_filter, start, end
            ),
            _("The electronic journal was printed."),
        )

    def _run_fiscal_memory_report(self, device):
        start, end = self._range(device)
        request = {"filter": self.fm_range_filter, "from": start, "to": end, "full": self.fm_full}
        range_filter, full = self.fm_range_filter, self.fm_full
        return self._print_on(
            device,
            "fiscal_memory_report",
            request,
            lambda driver: driver.print_fiscal_memory_report(range_filter, start, end, full),
            _("The fiscal memory report was printed."),
        )

    def _run_article_report(self, device):
        return self._print_on(
            device,
            "article_report",
            {"operation": "PrintArticleReport"},
            lambda driver: driver.print_article_report(),
            _("The article report was printed."),
        )

    def _run_department_report(self, device):
        return self._print_on(
            device,
            "department_report",
            {"operation": "PrintDepartmentReport"},
            lambda driver: driver.print_department_report(),
            _("The department report was printed."),
        )

    def _run_current_cash(self, device):
        def current_cash(driver):
            cash = driver.current_cash()
            return ServiceResult(
                summary=self.env._("Cash in the drawer: %(cash)s", cash=format(cash, ".2f")),
                totals={"cash in drawer": cash},
            )

        return device._run_service("info", {"operation": "GetCurrentCash"}, current_cash)

    def _run_time_to_block(self, device):
        def time_to_block(driver):
            left = driver.time_to_block()
            return ServiceResult(
                summary=self.env._("Time to block: %(left)s", left=duration_text(left)),
                totals={"seconds to block": int(left.total_seconds())},
            )

        return device._run_service("info", {"operation": "GetTimeToBlock"}, time_to_block)

    def _run_invoice_range(self, device):
        if self.invoice_range_set and not 0 < self.invoice_first <= self.invoice_last:
            raise UserError(
                _("The invoice range needs a first number above 0 and a last number not below it.")
            )
        first, last = self.invoice_first, self.invoice_last

        def invoice_range(driver):
            if self.invoice_range_set:
                driver.set_invoice_range(first, last)
            found = driver.invoice_range()
            return ServiceResult(
                summary=self.env._(
                    "Invoice numbers %(first)s to %(last)s, next %(next)s",
                    first=found.first,
                    last=found.last,
                    next=found.next,
                ),
                totals={"first": found.first, "last": found.last, "next": found.next},
            )

        if self.invoice_range_set:
            request = {"operation": "SetInvoiceRange", "firstInv": first, "lastInv": last}
            return device._run_service("setting", request, invoice_range)
        return device._run_service("info", {"operation": "GetInvoiceRange"}, invoice_range)

    def _run_numbers(self, device):
        def numbers(driver):
            info = device._read_status(driver)
            return ServiceResult(
                summary=self.env._(
                    "Serial number %(serial)s, fiscal memory %(fm)s",
                    serial=info.serial_number or "-",
                    fm=info.fiscal_memory_number or "-",
                ),
                raw=info.details or {},
            )

        return device._run_service("info", {"operation": "numbers"}, numbers)

    def _run_cash_in(self, device):
        return self._cash_move(device, "in")

    def _run_cash_out(self, device):
        return self._cash_move(device, "out")

    def _cash_move(self, device, direction):
        return (
            self.env["fiscal.cash.move"]
            .create({"device_id": device.id, "direction": direction, "amount": self.amount})
            ._confirm()
        )

    def _run_duplicate(self, device):
        return self._print_on(
            device,
            "duplicate",
            {"operation": "printDuplicate"},
            lambda driver: driver.print_duplicate(),
            _("The last receipt was printed again."),
        )

    def _run_drawer(self, device):
        return self._print_on(
            device,
            "drawer",
            {"operation": "openCashbox"},
            lambda driver: driver.open_cashbox(),
            _("The cash drawer is open."),
        )

    def _print_on(self, device, kind, request, call, summary):
        """An operation whose only answer is on the device's paper (or its drawer)."""

        def operation(driver):
            call(driver)
            return ServiceResult(summary=summary)

        return device._run_service(kind, request, operation)

    def _control_tape(self, driver):
        """The Caspos control tape: the current shift's documents, counted and summed by type."""
        tape = driver.control_tape()
        counts = Counter(entry.type for entry in tape.documents)
        sums = defaultdict(Decimal)
        for entry in tape.documents:
            sums[entry.type] += entry.total
        totals = {"documents": len(tape.documents)}
        for kind in sorted(counts):
            totals[f"{kind} count"] = counts[kind]
            totals[f"{kind} total"] = sums[kind]
        return ServiceResult(
            summary=self.env._(
                "Shift %(shift)s: %(count)s documents",
                shift=tape.shift_number or "-",
                count=len(tape.documents),
            ),
            totals=totals,
            rows=[asdict(entry) for entry in tape.documents],
            number=tape.shift_number,
            raw=tape.raw,
        )
