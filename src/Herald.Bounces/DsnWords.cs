// The fixed words of a report's human-readable part, in English and in Arabic; the explanations come from ReplyKnowledge.
using System.Globalization;
using Herald.Queue.Reports;

namespace Herald.Bounces;

/// <summary>
/// One language's sentences around the knowledge base's explanations. Placeholders: {0} is a host name,
/// {1} a date where a sentence has one.
/// </summary>
internal sealed record DsnWords(
    CultureInfo Language,
    string Heading,
    string Opening,
    string FailedIntro,
    string DelayedIntro,
    string DeliveredIntro,
    string RelayedIntro,
    string QueueId,
    string Arrived,
    string RemoteSaid,
    string LocalSaid,
    string Meaning,
    string SenderAction,
    string ActionFailed,
    string ActionDelayed,
    string ActionDelivered,
    string ActionRelayed,
    string RetryUntil,
    string Attached,
    string AttachedFull)
{
    public static readonly DsnWords English = new(
        CultureInfo.GetCultureInfo("en"),
        Heading: "In English",
        Opening: "This is the mail system at {0}.",
        FailedIntro: "Your message could not be delivered to the recipients below, and no further attempt will be made.",
        DelayedIntro: "Your message has not been delivered yet to the recipients below. Delivery is still being tried; there is no need to send it again.",
        DeliveredIntro: "Your message was delivered to the recipients below, as you asked to be told.",
        RelayedIntro: "Your message was handed on to the next mail server for the recipients below. That server does not send delivery reports, so this is the last report you will get about them.",
        QueueId: "Queue id",
        Arrived: "Received",
        RemoteSaid: "The mail server {0} said:",
        LocalSaid: "The mail system at {0} says:",
        Meaning: "What this means",
        SenderAction: "What you can do",
        ActionFailed: "not delivered",
        ActionDelayed: "delayed",
        ActionDelivered: "delivered",
        ActionRelayed: "handed on",
        RetryUntil: "Delivery will be tried until {1}.",
        Attached: "The headers of your message are attached.",
        AttachedFull: "Your message is attached.");

    public static readonly DsnWords Arabic = new(
        CultureInfo.GetCultureInfo("ar"),
        Heading: "بالعربية",
        Opening: "هذه رسالة من نظام البريد على {0}.",
        FailedIntro: "تعذّر تسليم رسالتك إلى المستلِمين أدناه، ولن تُعاد محاولة تسليمها.",
        DelayedIntro: "لم تُسلَّم رسالتك بعدُ إلى المستلِمين أدناه. ما زالت محاولات التسليم جارية، فلا حاجة إلى إرسالها مرة أخرى.",
        DeliveredIntro: "سُلِّمت رسالتك إلى المستلِمين أدناه، كما طلبتَ أن تُبلَّغ.",
        RelayedIntro: "سُلِّمت رسالتك إلى خادم البريد التالي في طريقها إلى المستلِمين أدناه. لا يرسل ذلك الخادم تقارير تسليم، فهذا آخر تقرير ستتلقاه عنهم.",
        QueueId: "معرّف الرسالة في الطابور",
        Arrived: "وقت الاستلام",
        RemoteSaid: "قال خادم البريد {0}:",
        LocalSaid: "يقول نظام البريد على {0}:",
        Meaning: "المعنى",
        SenderAction: "ما يمكنك فعله",
        ActionFailed: "لم تُسلَّم",
        ActionDelayed: "متأخرة",
        ActionDelivered: "سُلِّمت",
        ActionRelayed: "سُلِّمت إلى الخادم التالي",
        RetryUntil: "ستستمر محاولات التسليم حتى {1}.",
        Attached: "ترويسات رسالتك مرفقة.",
        AttachedFull: "رسالتك مرفقة.");

    public string Intro(ReportAction action) => action switch
    {
        ReportAction.Failed => FailedIntro,
        ReportAction.Delayed => DelayedIntro,
        ReportAction.Relayed => RelayedIntro,
        _ => DeliveredIntro,
    };

    public string ActionName(ReportAction action) => action switch
    {
        ReportAction.Failed => ActionFailed,
        ReportAction.Delayed => ActionDelayed,
        ReportAction.Relayed => ActionRelayed,
        _ => ActionDelivered,
    };

    public static string Format(string sentence, string host, string? date = null) =>
        string.Format(CultureInfo.InvariantCulture, sentence, host, date);
}
