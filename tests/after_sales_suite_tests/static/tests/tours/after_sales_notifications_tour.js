import { registry } from "@web/core/registry";

// A customer on the portal chooses how they hear about their service requests: portal only, then
// back to e-mail; each choice saved and shown again. Data comes from the Python test
// (test_tour_notifications.py); no service bot: Telegram is not offered.
registry.category("web_tour.tours").add("after_sales_notifications_tour", {
    steps: () => [
        {
            content: "From the service requests, open the notification settings",
            trigger: "a[href='/my/notifications']:contains(Notifications and Telegram)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "E-mail is the default",
            trigger: "input[name=notify_channel][value=email]:checked",
        },
        {
            content: "No bot: Telegram is not offered",
            trigger: "form[action='/my/notifications']:not(:has(input[value=telegram]))",
        },
        {
            content: "Choose portal only",
            trigger: "label[for=notify_channel_portal]:contains(Portal only)",
            run: "click",
        },
        {
            content: "Save",
            trigger: "form[action='/my/notifications'] button[type=submit]:contains(Save)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: portal only is the choice",
            trigger: ".alert-success:contains(Saved.)",
        },
        {
            trigger: "input[name=notify_channel][value=portal]:checked",
        },
        {
            content: "Back to e-mail",
            trigger: "label[for=notify_channel_email]:contains(E-mail)",
            run: "click",
        },
        {
            content: "Save",
            trigger: "form[action='/my/notifications'] button[type=submit]:contains(Save)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: e-mail is the choice",
            trigger: ".alert-success:contains(Saved.)",
        },
        {
            trigger: "input[name=notify_channel][value=email]:checked",
        },
        {
            trigger: "input[name=notify_channel][value=portal]:not(:checked)",
        },
    ],
});

// With the company's service bot: the customer chooses Telegram and connects their chat; the page
// shows the one-time code and the link that opens the bot with it.
registry.category("web_tour.tours").add("after_sales_notifications_telegram_tour", {
    steps: () => [
        {
            content: "Telegram is offered",
            trigger: "label[for=notify_channel_telegram]:contains(Telegram)",
            run: "click",
        },
        {
            content: "Save",
            trigger: "form[action='/my/notifications'] button[type=submit]:contains(Save)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: Telegram is the choice",
            trigger: ".alert-success:contains(Saved.)",
        },
        {
            trigger: "input[name=notify_channel][value=telegram]:checked",
        },
        {
            content: "Connect Telegram",
            trigger: "form[action='/my/notifications/telegram'] button:contains(Connect Telegram)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The one-time code to send the bot",
            trigger: ".alert-info code:contains(/start )",
            run() {
                const code = this.anchor.textContent.replace("/start", "").trim();
                if (!/^[A-Za-z0-9_-]{20,}$/.test(code)) {
                    throw new Error(`Not a one-time code: "${code}"`);
                }
                const link = document.querySelector(".alert-info a[href^='https://t.me/']");
                if (!link || link.getAttribute("href") !== `https://t.me/notif_tour_bot?start=${code}`) {
                    throw new Error("The bot's link does not carry the code shown");
                }
            },
        },
        {
            content: "The link opens the bot",
            trigger: ".alert-info a:contains(Open the bot in Telegram)",
        },
    ],
});
