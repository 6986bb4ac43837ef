#!/usr/bin/env python3
"""Drives the admin console in a real headless Chromium through Selenium, as an operator would.

Run by ConsoleBrowserTests.swift against a live hub that it has set up: store `acme` with a
mapping `erp` whose endpoint failed on the first try and now answers 200, and one failing
order message. Exits 0 when every step held, 1 with the failed step otherwise.
"""
import argparse
import json
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait


class StepFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise StepFailed(what)


def rendered(driver, page):
    """A page rendered whole: no Mustache left over, the layout's header, no error page."""
    source = driver.page_source
    check("{{" not in source and "}}" not in source, f"{page}: template markers left in the page")
    check("Integrator" in driver.title, f"{page}: the title is {driver.title!r}")
    check(driver.find_elements(By.CSS_SELECTOR, "header .brand"), f"{page}: no header")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--number", required=True, help="the order number of the failing message")
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    options = Options()
    options.binary_location = args.chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    # A form post replaces the page: an element found on the old one can go stale while a wait polls.
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    steps = []
    try:
        # Sign in: a wrong token is refused with a message, the right one lands on the stores.
        driver.get(args.url + "/console")
        wait.until(EC.presence_of_element_located((By.ID, "token")))
        check("/console/sign-in" in driver.current_url, "an unsigned visit was not sent to sign in")
        driver.find_element(By.ID, "token").send_keys("not-the-token")
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "problems")))
        check("not the admin token" in driver.find_element(By.ID, "problems").text, "a wrong token was not refused")
        driver.find_element(By.ID, "token").send_keys(args.token)
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "stores")))
        rendered(driver, "stores")
        steps.append("signed in")

        # The dashboard shows the failing message in its counts, its chart and its list.
        driver.find_element(By.LINK_TEXT, args.store).click()
        wait.until(EC.presence_of_element_located((By.ID, "queues")))
        rendered(driver, "dashboard")
        failing = driver.find_element(By.CSS_SELECTOR, "#queues [data-state=failing]").text
        check(failing.strip() == "1", f"the dashboard shows {failing!r} failing, not 1")
        check(driver.find_elements(By.CSS_SELECTOR, "svg#activity rect"), "the activity chart has no bars")
        check("order:new" in driver.find_element(By.ID, "attention").text, "the failing message is not listed under Needs attention")
        driver.save_screenshot(f"{args.out}/dashboard.png")
        steps.append("dashboard")

        # Find the failed message through the messages list filtered by state.
        driver.find_element(By.CSS_SELECTOR, "#queues a[href$='state=failing']").click()
        wait.until(EC.presence_of_element_located((By.ID, "messages")))
        rendered(driver, "messages")
        check(Select(driver.find_element(By.ID, "f-state")).first_selected_option.text == "failing", "the state filter is not kept")
        rows = driver.find_elements(By.CSS_SELECTOR, "#messages tr td a")
        check(len(rows) == 1, f"{len(rows)} failing messages listed, not 1")
        rows[0].click()

        # The inspector: failing with its error; attempt now; refresh until it completes.
        wait.until(EC.presence_of_element_located((By.ID, "message-state")))
        rendered(driver, "inspector")
        check(driver.find_element(By.ID, "message-state").text == "failing", "the message is not shown as failing")
        check("500" in driver.find_element(By.ID, "deliveries").text, "the failed attempt's status is not shown")
        check(args.number in driver.find_element(By.ID, "payload").text, "the payload is not shown")
        driver.find_element(By.ID, "attempt-now").click()
        wait.until(EC.presence_of_element_located((By.ID, "notice")))
        check("attempted now" in driver.find_element(By.ID, "notice").text, "no notice after Attempt now")
        deadline = time.time() + 20
        while driver.find_element(By.ID, "message-state").text != "completed":
            check(time.time() < deadline, "the message did not complete after Attempt now")
            time.sleep(0.3)
            driver.refresh()
        rendered(driver, "inspector")
        check("200" in driver.find_element(By.ID, "deliveries").text, "the successful attempt is not listed")
        driver.save_screenshot(f"{args.out}/inspector.png")
        steps.append("retried to completion")

        # The mapping editor refuses a bad filter and names it.
        driver.get(f"{args.url}/console/stores/{args.store}/mappings")
        wait.until(EC.presence_of_element_located((By.ID, "mappings")))
        rendered(driver, "mappings")
        driver.find_element(By.LINK_TEXT, "erp").click()
        editor = wait.until(EC.presence_of_element_located((By.ID, "document")))
        document = json.loads(editor.get_attribute("value"))
        document["filters"] = [{"path": "payload.order.currency", "operator": "is-about", "value": "USD"}]
        editor.clear()
        editor.send_keys(json.dumps(document))
        driver.find_element(By.ID, "save").click()
        problems = wait.until(EC.presence_of_element_located((By.ID, "problems"))).text
        check("filters.0.operator" in problems and "is-about" in problems, f"the bad filter was not named: {problems!r}")
        check("is-about" in driver.find_element(By.ID, "document").get_attribute("value"), "the edit was lost")
        rendered(driver, "mapping editor")
        driver.save_screenshot(f"{args.out}/mapping-error.png")
        steps.append("bad filter refused")

        # The editor's "Try it" panel says whether the mapping takes a message, and why.
        box = driver.find_element(By.ID, "try-message")
        box.clear()
        box.send_keys("order:updated")
        driver.find_element(By.ID, "try-it").click()
        wait.until(lambda d: "does not take it" in d.find_element(By.ID, "try-result").text)
        verdict = driver.find_element(By.ID, "try-result").text
        check("does not take it" in verdict and "order:updated" in verdict, f"try it did not explain the refusal: {verdict!r}")
        box = driver.find_element(By.ID, "try-message")
        box.clear()
        box.send_keys("order:new")
        driver.find_element(By.ID, "try-it").click()
        wait.until(lambda d: "It takes it" in d.find_element(By.ID, "try-result").text)
        rendered(driver, "try it")
        steps.append("try it")

        # The test tool pushes a sample and links to it.
        driver.get(f"{args.url}/console/stores/{args.store}/test")
        Select(wait.until(EC.presence_of_element_located((By.ID, "t-kind")))).select_by_value("shipment:confirm")
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        wait.until(lambda d: "shipment:confirm" in d.find_element(By.ID, "document").get_attribute("value"))
        driver.find_element(By.ID, "push").click()
        wait.until(EC.presence_of_element_located((By.ID, "message-state")))
        check("pushed as" in driver.find_element(By.ID, "notice").text, "the test push did not lead to its message")
        check("test" in driver.find_element(By.ID, "attributes").text, "the pushed message does not say origin test")
        rendered(driver, "test push")
        steps.append("test tool")

        # The notification log searches by reference.
        driver.get(f"{args.url}/console/stores/{args.store}/notifications?reference={args.number}")
        wait.until(EC.presence_of_element_located((By.ID, "notifications")))
        rendered(driver, "notifications")
        check("warehouse offline" in driver.find_element(By.ID, "notifications").text, "the endpoint's notification is not found by its order number")
        steps.append("notification log")
    except StepFailed as failure:
        driver.save_screenshot(f"{args.out}/failure.png")
        print(json.dumps({"ok": False, "steps": steps, "failed": str(failure), "url": driver.current_url}))
        return 1
    finally:
        driver.quit()
    print(json.dumps({"ok": True, "steps": steps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
