"""Every language file of the addon covers the whole .pot, and the screens speak it.

Parametric over the ``i18n/*.po`` files present: each is loaded into the database and the device
form, a report wizard and an invoice with its fiscal block are rendered in its language without
one of the addon's terms left in English. The extractor reads every Python file of the module
(a file it cannot parse would silently drop its messages from the .pot).
"""

import re
from pathlib import Path

import polib
from babel.messages import extract
from lxml import etree, html
from odoo.tests import tagged

from .common import FiscalDeviceCommon

MODULE = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%|%s")
# where a view puts words a user reads
VIEW_TEXT_ATTRIBUTES = ("string", "help", "placeholder", "title", "confirm", "sum")


def normalized(text):
    return " ".join(text.split())


def read_catalog(path):
    """{msgid: msgstr} of a .po / .pot file (polib, the library Odoo writes them with)."""
    return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path)) if not entry.obsolete}


def catalogs():
    """{language stem: {msgid: msgstr}} of every .po file of the module."""
    return {path.stem: read_catalog(path) for path in sorted((MODULE / "i18n").glob("*.po"))}


def source_files(suffix):
    for path in MODULE.rglob(f"*{suffix}"):
        parts = path.relative_to(MODULE).parts
        if not any(part.startswith(".") or part in ("node_modules", "build") for part in parts):
            yield path


@tagged("post_install", "-at_install")
class TestTranslations(FiscalDeviceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = read_catalog(MODULE / "i18n" / "fiscal_device.pot")
        cls.catalogs = catalogs()
        cls.langs = {}
        for stem in cls.catalogs:
            lang = (
                cls.env["res.lang"]
                .with_context(active_test=False)
                .search([("iso_code", "=", stem)], limit=1)
            )
            cls.langs[stem] = cls.env["res.lang"]._activate_lang(lang.code).code
        cls.env["ir.module.module"]._load_module_terms(
            ["fiscal_device"], list(cls.langs.values()), overwrite=True
        )

    def _english_left(self, stem, texts):
        """The addon's terms among ``texts`` that this language translates, left in English."""
        translated = {
            normalized(msgid)
            for msgid, msgstr in self.catalogs[stem].items()
            if normalized(msgstr) != normalized(msgid)
        }
        return sorted({normalized(text) for text in texts} & translated)

    def _view_texts(self, arch):
        tree = etree.fromstring(arch)
        for node in tree.iter(tag=etree.Element):
            yield from (node.get(name) for name in VIEW_TEXT_ATTRIBUTES if node.get(name))
            for text in (node.text, node.tail):
                if text and text.strip():
                    yield text

    def _form(self, model, stem):
        """The form view's texts and its fields' labels, as the web client gets them."""
        env_model = self.env[model].with_context(lang=self.langs[stem])
        views = env_model.get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        labels = {
            name: description["string"]
            for name, description in views["models"][model]["fields"].items()
        }
        return arch, labels

    # -- the files -------------------------------------------------------------------------------

    def test_a_language_is_present(self):
        self.assertIn("bg", self.catalogs)

    def test_every_language_covers_the_whole_pot(self):
        for stem, catalog in self.catalogs.items():
            with self.subTest(language=stem):
                self.assertEqual(set(catalog), set(self.pot), "msgids of the .po and the .pot")
                empty = sorted(msgid for msgid, msgstr in catalog.items() if not msgstr.strip())
                self.assertEqual(empty, [])
                translated = [msgid for msgid, msgstr in catalog.items() if msgstr.strip()]
                self.assertEqual(len(translated), len(self.pot))
                for msgid, msgstr in catalog.items():
                    self.assertEqual(
                        sorted(PLACEHOLDER.findall(msgstr)),
                        sorted(PLACEHOLDER.findall(msgid)),
                        f"placeholders of {msgid!r}",
                    )

    def test_the_extractor_reads_every_python_file(self):
        """Babel (Odoo's extractor) evaluates the strings of a ``_()`` call: an f-string there
        makes it drop the whole file, as it did for the report wizard."""
        keywords = {"_": None, "_lt": None}
        for path in source_files(".py"):
            with self.subTest(file=str(path.relative_to(MODULE))), open(path, "rb") as source:
                list(extract.extract("python", source, keywords, options={"encoding": "UTF-8"}))

    def test_library_messages_are_in_the_pot(self):
        self.assertIn("%(where)s%(field)s must be greater than 0", self.pot)
        self.assertIn(
            "the document is registered: load a paper roll, then call PrintAgain", self.pot
        )
        self.assertIn("Cash in the drawer: %(cash)s", self.pot)  # a report wizard message

    # -- the screens -----------------------------------------------------------------------------

    def test_device_form_speaks_each_language(self):
        for stem in self.catalogs:
            with self.subTest(language=stem):
                arch, labels = self._form("fiscal.device", stem)
                self.assertEqual(self._english_left(stem, self._view_texts(arch)), [])
                self.assertEqual(self._english_left(stem, labels.values()), [])
                catalog = self.catalogs[stem]
                self.assertEqual(labels["serial_number"], catalog["Serial Number"])
                self.assertEqual(labels["fiscal_memory_number"], catalog["Fiscal Memory Number"])
                self.assertIn(f'string="{catalog["Test connection / Info"]}"', arch)
                menu = self.env.ref("fiscal_device.fiscal_device_menu")
                self.assertEqual(menu.with_context(lang=self.langs[stem]).name, catalog["Devices"])

    def test_report_wizard_speaks_each_language(self):
        for stem in self.catalogs:
            with self.subTest(language=stem):
                arch, labels = self._form("fiscal.report.wizard", stem)
                self.assertEqual(self._english_left(stem, self._view_texts(arch)), [])
                self.assertEqual(self._english_left(stem, labels.values()), [])
                catalog = self.catalogs[stem]
                self.assertEqual(labels["report_type"], catalog["Operation"])
                self.assertIn(f'string="{catalog["Run"]}"', arch)

    def test_invoice_fiscal_block_speaks_each_language(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        self.assertEqual(invoice.fiscal_state, "done")
        block_msgid = next(
            msgid for msgid in self.pot if msgid.startswith("<strong>Fiscal receipt")
        )
        for stem in self.catalogs:
            with self.subTest(language=stem):
                invoice.partner_id.lang = self.langs[stem]
                page, _format = self.env["ir.actions.report"]._render_qweb_html(
                    "account.report_invoice", invoice.ids
                )
                (block,) = html.fromstring(page).xpath('//*[@id="fiscal_device_information"]')
                text = normalized(block.text_content())
                translation = html.fragment_fromstring(
                    self.catalogs[stem][block_msgid], create_parent="div"
                )
                pieces = [normalized(piece) for piece in translation.itertext() if piece.strip()]
                self.assertTrue(pieces)
                for piece in pieces:
                    self.assertIn(piece, text)
                self.assertEqual(self._english_left(stem, block.itertext()), [])
                self.assertNotIn("Fiscal receipt", text)


@tagged("post_install", "-at_install")
class TestLibraryMessagesInBulgarian(FiscalDeviceCommon):
    """A validation problem and a device hint of the library reach a Bulgarian user in Bulgarian;
    the device's own words stay as it said them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("bg_BG")
        cls.env["ir.module.module"]._load_module_terms(["fiscal_device"], ["bg_BG"], overwrite=True)
        cls.env.user.lang = "bg_BG"

    def _message(self, invoice):
        return self._user_error_keeping_journal(invoice.with_context(lang="bg_BG").action_fiscalize)

    def test_validation_problem_in_bulgarian(self):
        self.caspos.tax_map_ids.unlink()
        message = self._message(self._caspos_invoice())
        self.assertIn(
            "Документът не може да се изпрати към фискално устройство Caspos test:", message
        )
        self.assertIn(
            "• ред 1: липсва ДДС група (съпоставете данъка на реда с ДДС група на устройството)",
            message,
        )
        self.assertNotIn("VAT class is missing", message)

    def test_device_hint_in_bulgarian_device_words_as_they_are(self):
        self.caspos.auto_open_shift = False
        message = self._message(self._caspos_invoice())
        self.assertIn("Грешка 503: document: invalid shift status", message)
        self.assertIn(
            "Какво да направите: Смяната може да е затворена: проверете състоянието ѝ и отворете "
            "нова смяна.",
            message,
        )
        self.assertNotIn("check the shift status", message)
