"""Drives the workbench page in headless Chromium: a pasted note to a determination.

Usage: workbench_test.py BASE_URL NOTE_FILE SCREENSHOT_PNG [API_KEY]
Exits 0 when every check passes, 1 on a failed check (the message says which), 3 when
Chromium, chromedriver or selenium is missing (the Swift test decides whether that may skip).
"""
import json
import os
import shutil
import sys

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as error:
    print(f"selenium is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def find_binary(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"ok: {message}")


def main():
    base, note_file, screenshot = sys.argv[1], sys.argv[2], sys.argv[3]
    key = sys.argv[4] if len(sys.argv) > 4 else ""
    chromium = find_binary("chromium", "chromium-browser", "google-chrome")
    driver_path = find_binary("chromedriver")
    if not chromium or not driver_path:
        print("chromium or chromedriver is not installed", file=sys.stderr)
        sys.exit(3)
    with open(note_file, encoding="utf-8") as handle:
        note = handle.read()

    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(base + "/")
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        check(driver.title == "medpolicy workbench", "the page loads with its script")
        if key:
            driver.find_element(By.ID, "api-key").send_keys(key)

        # An empty note: the server's message appears under the note field.
        driver.find_element(By.ID, "extract").click()
        error = wait.until(EC.visibility_of_element_located((By.ID, "note-error")))
        check("empty" in error.text, f"an empty note is refused under the note field: {error.text!r}")
        check(driver.find_element(By.ID, "note").get_attribute("aria-invalid") == "true", "the note field is marked invalid")

        # The note: extracted facts are highlighted and fill the form.
        driver.find_element(By.ID, "note").send_keys(note)
        Select(driver.find_element(By.ID, "payer")).select_by_value("florida-blue")
        driver.find_element(By.ID, "extract").click()
        wait.until(EC.visibility_of_element_located((By.ID, "encounter-section")))
        check(not driver.find_element(By.ID, "note-error").is_displayed(), "the error is gone after a good note")
        marks = driver.find_elements(By.CSS_SELECTOR, "#note-highlighted mark")
        facts = {mark.get_attribute("data-fact"): mark.text for mark in marks}
        check(len(marks) >= 8, f"the facts are highlighted in the note ({len(marks)} spans)")
        check(facts.get("lines[0].code") == "20552", "the CPT code is highlighted")
        check(facts.get("procedure.sites[0].muscle", "").lower() == "upper trapezius", "the first muscle is highlighted as written")
        check(driver.find_element(By.ID, "enc-dos").get_attribute("value") == "2025-03-14", "the date of service is in the form")
        check(driver.find_element(By.ID, "enc-diagnoses").get_attribute("value") == "M79.18", "the diagnosis is in the form")
        check(driver.find_element(By.ID, "enc-member").get_attribute("value") == "FB123456", "the member id is in the form")
        muscles = [element.get_attribute("value") for element in driver.find_elements(By.CSS_SELECTOR, "#sites [data-key=muscle]")]
        check(muscles == ["trapezius", "levator scapulae"], f"the muscles are in the form: {muscles}")
        check(Select(driver.find_element(By.ID, "finding-tautBand")).first_selected_option.get_attribute("value") == "true",
              "the taut band finding is present in the form")

        # The determination for the chosen payer, and every payer side by side.
        driver.find_element(By.ID, "determine").click()
        outcome = wait.until(EC.visibility_of_element_located((By.ID, "outcome")))
        wait.until(lambda d: d.find_element(By.ID, "outcome").get_attribute("data-outcome"))
        chosen = outcome.get_attribute("data-outcome")
        check(outcome.text.startswith("florida-blue:"), f"the outcome names the chosen payer: {outcome.text!r}")
        # The API's own answer, for comparison with what the page shows.
        encounter = driver.execute_script("return JSON.stringify(readForm());")
        answer = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "call('POST', '/v1/determinations?payers=all&record=false', arguments[0], 'application/json')"
            ".then(r => done(JSON.stringify(r.json)));", encounter)
        expected = {d["payer"]: d["outcome"] for d in json.loads(answer)}
        check(chosen == expected["florida-blue"], f"the outcome shown is the API's for florida-blue ({chosen})")
        rows = driver.find_elements(By.CSS_SELECTOR, "#all-payers tbody tr")
        shown = {row.get_attribute("data-payer"): row.find_element(By.CSS_SELECTOR, "td[data-outcome]").get_attribute("data-outcome") for row in rows}
        check(len(shown) >= 2 and shown == expected, f"the all-payer table shows every payer's outcome: {shown}")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#checklist li")) >= 1, "the documentation checklist is filled")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#coding tbody tr")) >= 1, "the recommended coding is shown")

        # A miscoded line: the recommended coding differs, and one click applies it.
        code = driver.find_element(By.CSS_SELECTOR, "#lines [data-key=code]")
        code.clear()
        code.send_keys("20553")
        units = driver.find_element(By.CSS_SELECTOR, "#lines [data-key=units]")
        units.clear()
        units.send_keys("2")
        driver.find_element(By.ID, "determine").click()
        wait.until(lambda d: d.find_element(By.ID, "apply-coding").is_enabled())
        issues = [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#coding-issues li")]
        check(any("not 20553" in issue for issue in issues), f"the coding issue is shown: {issues}")
        driver.find_element(By.ID, "apply-coding").click()
        wait.until(lambda d: not d.find_element(By.ID, "apply-coding").is_enabled())
        fixed = (driver.find_element(By.CSS_SELECTOR, "#lines [data-key=code]").get_attribute("value"),
                 driver.find_element(By.CSS_SELECTOR, "#lines [data-key=units]").get_attribute("value"))
        check(fixed == ("20552", "1"), f"one click applies the recommended coding to the form: {fixed}")
        check(driver.find_element(By.ID, "coding-issues").text == "", "no coding issue is left after the fix")

        # The checklist's missing document, ticked, goes on the encounter and leaves the checklist.
        missing = driver.find_elements(By.CSS_SELECTOR, "#checklist input[type=checkbox]")
        check(len(missing) >= 1, f"the checklist lists documents the record lacks ({len(missing)})")
        before = len(missing)
        missing[0].click()
        driver.find_element(By.ID, "determine").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#checklist input[type=checkbox]")) < before)
        print("ok: a document ticked in the checklist goes on the encounter and off the checklist")

        # A bad edit: the API's located error appears next to the field it concerns.
        date = driver.find_element(By.ID, "enc-dos")
        driver.execute_script("arguments[0].value = ''", date)
        driver.find_element(By.ID, "determine").click()
        date_error = wait.until(EC.visibility_of_element_located((By.ID, "enc-dos-error")))
        check(date_error.text != "", f"a missing date of service is reported under its field: {date_error.text!r}")
        driver.execute_script("arguments[0].value = '2025-03-14'", date)
        driver.find_element(By.ID, "determine").click()
        wait.until(lambda d: not d.find_element(By.ID, "enc-dos-error").is_displayed())

        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(height + 200, 800), 8000))  # the window's frame takes some
        driver.save_screenshot(screenshot)
        print(f"screenshot: {os.path.abspath(screenshot)}")
    finally:
        driver.quit()


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
