/*
 * Bittorrent Client using Qt and libtorrent.
 * Copyright (C) 2026  The Megatorrent authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU General Public License
 * as published by the Free Software Foundation; either version 2
 * of the License, or (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * In addition, as a special exception, the copyright holders give permission to
 * link this program with the OpenSSL project's "OpenSSL" library (or with
 * modified versions of it that use the same license as the "OpenSSL" library),
 * and distribute the linked executables. You must obey the GNU General Public
 * License in all respects for all of the code used other than "OpenSSL".  If you
 * modify file(s), you may extend this exception to your version of the file(s),
 * but you are not obligated to do so. If you do not wish to do so, delete this
 * exception statement from your version.
 */

#include "megatorrentservice.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <libtorrent/alert.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>

#include <megatorrent.hpp>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonValue>
#include <QMetaObject>
#include <QThreadPool>

#include "base/bittorrent/addtorrentparams.h"
#include "base/bittorrent/infohash.h"
#include "base/bittorrent/magneturi.h"
#include "base/bittorrent/sessionimpl.h"
#include "base/global.h"
#include "base/logger.h"
#include "base/profile.h"
#include "base/settingvalue.h"
#include "base/utils/fs.h"
#include "base/utils/io.h"

namespace
{
    const QString SUBSCRIPTIONS_FILE = u"subscriptions.json"_qs;

    const QString KEY_CHANNEL = u"channel"_qs;
    const QString KEY_CATEGORY = u"category"_qs;
    const QString KEY_SAVE_PATH = u"savePath"_qs;
    const QString KEY_ADD_PAUSED = u"addPaused"_qs;
    const QString KEY_ADDED_ITEMS = u"addedItems"_qs;
    const QString KEY_SEQUENCE = u"sequence"_qs;
    const QString KEY_TIMESTAMP = u"timestamp"_qs;
    const QString KEY_ITEMS_COUNT = u"itemsCount"_qs;
    const QString KEY_TITLE = u"title"_qs;
    const QString KEY_COLLECTION = u"collection"_qs;
    const QString KEY_MAGNET = u"magnet"_qs;
    const QString KEY_NAME = u"name"_qs;
    const QString KEY_HASH = u"hash"_qs;
    const QString KEY_IN_SESSION = u"inSession"_qs;

    BitTorrent::SessionImpl *sessionImpl()
    {
        return static_cast<BitTorrent::SessionImpl *>(BitTorrent::Session::instance());
    }

    QString outcomeName(const mt_offer_outcome outcome)
    {
        switch (outcome)
        {
        case MT_OFFER_UPDATED:
            return u"updated"_qs;
        case MT_OFFER_DUPLICATE:
            return u"duplicate"_qs;
        case MT_OFFER_STALE:
            return u"stale"_qs;
        case MT_OFFER_NOT_FOLLOWED:
            return u"notFollowed"_qs;
        case MT_OFFER_INVALID:
            return u"invalid"_qs;
        case MT_OFFER_EQUIVOCATION:
            return u"equivocation"_qs;
        }
        return u"unknown"_qs;
    }

    // The collections of a manifest as (collection title, magnet) pairs, in the manifest's order.
    QVector<std::pair<QString, QString>> manifestItems(const QByteArray &json)
    {
        QVector<std::pair<QString, QString>> items;
        const QJsonArray collections = QJsonDocument::fromJson(json).object().value(u"collections"_qs).toArray();
        for (const QJsonValue &collection : collections)
        {
            const QString title = collection.toObject().value(KEY_TITLE).toString();
            for (const QJsonValue &item : asConst(collection.toObject().value(u"items"_qs).toArray()))
                items.append({title, item.toString()});
        }
        return items;
    }
}

MegatorrentService *MegatorrentService::m_instance = nullptr;

void MegatorrentService::initInstance()
{
    if (!m_instance)
        m_instance = new MegatorrentService;
}

void MegatorrentService::freeInstance()
{
    delete m_instance;
    m_instance = nullptr;
}

MegatorrentService *MegatorrentService::instance()
{
    return m_instance;
}

MegatorrentService::MegatorrentService()
    : m_stateDir {specialFolderLocation(SpecialFolder::Data) / Path(u"megatorrent"_qs)}
{
    Utils::Fs::mkpath(m_stateDir);
    try
    {
        m_node = std::make_unique<Megatorrent::Node>(m_stateDir.toString().toStdString());
        // Events come on a library thread: copy them over to this object's thread.
        m_node->setEventHandler([this](const Megatorrent::Event &event)
        {
            QMetaObject::invokeMethod(this, [this, event]() { handleEvent(event); }, Qt::QueuedConnection);
        });
    }
    catch (const Megatorrent::Error &error)
    {
        LogMsg(tr("Megatorrent: could not open the state folder \"%1\". Reason: %2")
            .arg(m_stateDir.toString(), QString::fromStdString(error.what())), Log::CRITICAL);
        m_node.reset();
        return;
    }

    loadSubscriptions();
    attachToSession();

    // Manifests already held (from before a restart) may name items not added yet.
    for (auto it = m_subscriptions.cbegin(); it != m_subscriptions.cend(); ++it)
    {
        if (const std::optional<std::string> json = m_node->latestManifest(it.key().toStdString()))
            QMetaObject::invokeMethod(this, [this, channel = it.key(), manifest = QByteArray::fromStdString(*json)]()
            {
                processManifest(channel, manifest);
            }, Qt::QueuedConnection);
    }
    LogMsg(tr("Megatorrent %1: following %2 channel(s); state in \"%3\"")
        .arg(QString::fromStdString(Megatorrent::version())).arg(m_subscriptions.size()).arg(m_stateDir.toString()));
}

MegatorrentService::~MegatorrentService()
{
    if (!m_node)
        return;

    m_node->setEventHandler({});
    detachFromSession();
    m_node.reset();
}

void MegatorrentService::attachToSession()
{
    BitTorrent::SessionImpl *session = sessionImpl();
    lt::session *nativeSession = session->nativeSession();

    // Extra DHT nodes on a private or loopback network, "host:port" separated by commas: the DHT's
    // restrictions on addresses are lifted for them.
    const QString dhtNodes = SettingValue<QString>(u"Megatorrent/DHTNodes"_qs).get();
    if (!dhtNodes.isEmpty())
    {
        lt::settings_pack pack;
        pack.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
        pack.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
        pack.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, false);
        // Every node of a loopback swarm has the same address: libtorrent's per-address limits would block it.
        pack.set_int(lt::settings_pack::dht_block_ratelimit, 100000);
        pack.set_int(lt::settings_pack::dht_upload_rate_limit, 10000000);
        nativeSession->apply_settings(pack);
        for (const QString &node : asConst(dhtNodes.split(u',', Qt::SkipEmptyParts)))
        {
            const int colon = node.lastIndexOf(u':');
            if (colon <= 0)
                continue;
            nativeSession->add_dht_node({node.left(colon).trimmed().toStdString(), node.mid(colon + 1).toInt()});
        }
    }

    Megatorrent::DHTOptions options;
    options.resolveIntervalSeconds = SettingValue<int>(u"Megatorrent/ResolveInterval"_qs).get(0);
    try
    {
        m_node->attachSession(nativeSession, options);
    }
    catch (const Megatorrent::Error &error)
    {
        LogMsg(tr("Megatorrent: could not attach to the BitTorrent session. Reason: %1")
            .arg(QString::fromStdString(error.what())), Log::WARNING);
        return;
    }
    m_attached = true;

    // From now on SessionImpl::readAlerts() passes every alert it pops to the node, and keeps the
    // categories the node needs (DHT above all) in the alert mask when it applies its settings again.
    Megatorrent::Node *node = m_node.get();
    session->setAlertObserver([node](const lt::alert *alert) { node->forwardAlert(alert); }
        , (lt::alert_category::status | lt::alert_category::error | lt::alert_category::dht | lt::alert_category::storage));
}

void MegatorrentService::detachFromSession()
{
    if (!m_attached)
        return;

    BitTorrent::SessionImpl *session = sessionImpl();
    session->setAlertObserver({});

    // Detaching waits for a DHT round in progress, which needs its alerts: this thread pops and forwards
    // them meanwhile (the session is about to shut down; the alerts it would read now are of no use to it).
    std::atomic<bool> done {false};
    std::thread detacher {[this, &done]()
    {
        try
        {
            m_node->detachSession();
        }
        catch (const Megatorrent::Error &)
        {
        }
        done = true;
    }};
    lt::session *nativeSession = session->nativeSession();
    while (!done)
    {
        nativeSession->wait_for_alert(std::chrono::milliseconds(50));
        std::vector<lt::alert *> alerts;
        nativeSession->pop_alerts(&alerts);
        for (const lt::alert *alert : alerts)
            m_node->forwardAlert(alert);
    }
    detacher.join();
    m_attached = false;
}

Path MegatorrentService::stateDir() const
{
    return m_stateDir;
}

QString MegatorrentService::channelID(const QString &channel, QString *error) const
{
    // A channel is named by its 64 hex digits, alone or in a magnet:?xs=urn:btpk: link.
    const QString trimmed = channel.trimmed();
    const QString prefix = u"magnet:?xs=urn:btpk:"_qs;
    QString hex = trimmed.startsWith(prefix, Qt::CaseInsensitive) ? trimmed.mid(prefix.size()).section(u'&', 0, 0) : trimmed;
    hex = hex.toLower();
    const bool isHex = (hex.size() == 64) && std::all_of(hex.cbegin(), hex.cend(), [](const QChar c)
    {
        return ((c >= u'0') && (c <= u'9')) || ((c >= u'a') && (c <= u'f'));
    });
    if (!isHex)
    {
        if (error)
            *error = tr("Not a channel: give its 64 hex digits or a magnet:?xs=urn:btpk: link");
        return {};
    }
    return hex;
}

QString MegatorrentService::subscribe(const QString &channel, const SubscriptionOptions &options, QString *error)
{
    if (!m_node)
    {
        if (error)
            *error = tr("Megatorrent is not available");
        return {};
    }
    const QString id = channelID(channel, error);
    if (id.isEmpty())
        return {};

    try
    {
        m_node->subscribe(id.toStdString());
    }
    catch (const Megatorrent::Error &e)
    {
        if (error)
            *error = QString::fromStdString(e.what());
        return {};
    }

    const bool isNew = !m_subscriptions.contains(id);
    m_subscriptions[id].options = options;
    storeSubscriptions();
    if (isNew)
    {
        LogMsg(tr("Megatorrent: following channel %1").arg(id));
        if (const std::optional<std::string> json = m_node->latestManifest(id.toStdString()))
            processManifest(id, QByteArray::fromStdString(*json));
        if (m_attached)
            refresh(id);
    }
    return id;
}

bool MegatorrentService::unsubscribe(const QString &channel, QString *error)
{
    const QString id = channelID(channel, error);
    if (id.isEmpty() || !m_node)
        return false;

    try
    {
        m_node->unsubscribe(id.toStdString());
    }
    catch (const Megatorrent::Error &e)
    {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    if (m_subscriptions.remove(id) > 0)
        LogMsg(tr("Megatorrent: no longer following channel %1").arg(id));
    storeSubscriptions();
    return true;
}

QJsonArray MegatorrentService::subscriptionsToJson() const
{
    QJsonArray result;
    if (!m_node)
        return result;

    for (const std::string &channel : m_node->subscriptions())
    {
        const QString id = QString::fromStdString(channel);
        const Subscription subscription = m_subscriptions.value(id);
        QJsonObject object {
            {KEY_CHANNEL, id},
            {KEY_CATEGORY, subscription.options.category},
            {KEY_SAVE_PATH, subscription.options.savePath.toString()},
            {KEY_ADD_PAUSED, subscription.options.addPaused},
            {KEY_SEQUENCE, QJsonValue()},
            {KEY_ITEMS_COUNT, 0}
        };
        if (const std::optional<std::string> json = m_node->latestManifest(channel))
        {
            const QJsonObject manifest = QJsonDocument::fromJson(QByteArray::fromStdString(*json)).object();
            object[KEY_SEQUENCE] = manifest.value(KEY_SEQUENCE);
            object[KEY_TIMESTAMP] = manifest.value(KEY_TIMESTAMP);
            object[KEY_ITEMS_COUNT] = manifestItems(QByteArray::fromStdString(*json)).size();
            const QJsonArray collections = manifest.value(u"collections"_qs).toArray();
            if (!collections.isEmpty())
                object[KEY_TITLE] = collections.first().toObject().value(KEY_TITLE);
        }
        result.append(object);
    }
    return result;
}

QJsonArray MegatorrentService::itemsToJson(const QString &channel) const
{
    QJsonArray result;
    const QString id = channelID(channel, nullptr);
    if (id.isEmpty() || !m_node)
        return result;

    const std::optional<std::string> json = m_node->latestManifest(id.toStdString());
    if (!json)
        return result;

    for (const auto &[collection, magnet] : manifestItems(QByteArray::fromStdString(*json)))
    {
        const BitTorrent::MagnetUri magnetUri {magnet};
        const bool isValid = magnetUri.isValid();
        result.append(QJsonObject {
            {KEY_COLLECTION, collection},
            {KEY_MAGNET, magnet},
            {KEY_NAME, (isValid ? magnetUri.name() : QString())},
            {KEY_HASH, (isValid ? magnetUri.infoHash().toTorrentID().toString() : QString())},
            {KEY_IN_SESSION, (isValid && BitTorrent::Session::instance()->findTorrent(magnetUri.infoHash()))}
        });
    }
    return result;
}

QString MegatorrentService::offerManifest(const QByteArray &json, QString *error)
{
    if (!m_node)
    {
        if (error)
            *error = tr("Megatorrent is not available");
        return {};
    }
    try
    {
        return outcomeName(m_node->offer(json.toStdString(), "webui"));
    }
    catch (const Megatorrent::Error &e)
    {
        if (error)
            *error = QString::fromStdString(e.what());
        return {};
    }
}

bool MegatorrentService::refresh(const QString &channel, QString *error)
{
    const QString id = channelID(channel, error);
    if (id.isEmpty())
        return false;
    if (!m_attached)
    {
        if (error)
            *error = tr("Megatorrent is not attached to the BitTorrent session");
        return false;
    }

    // mt_node_resolve_dht blocks, and must never run on the thread that forwards alerts (this one).
    Megatorrent::Node *node = m_node.get();
    QThreadPool::globalInstance()->start([node, channel = id.toStdString()]()
    {
        const QString channelID = QString::fromStdString(channel);
        try
        {
            if (node->resolveDHT(channel))
                LogMsg(tr("Megatorrent: channel %1 resolved on the DHT").arg(channelID));
            else
                LogMsg(tr("Megatorrent: channel %1 has no pointer on the DHT yet").arg(channelID));
        }
        catch (const Megatorrent::Error &error)
        {
            // The periodic resolution tries again.
            LogMsg(tr("Megatorrent: resolving channel %1 on the DHT failed. Reason: %2")
                .arg(channelID, QString::fromStdString(error.what())), Log::WARNING);
        }
    });
    return true;
}

void MegatorrentService::handleEvent(const Megatorrent::Event &event)
{
    const QString channel = QString::fromStdString(event.channel);
    switch (event.kind)
    {
    case MT_EVENT_UPDATED:
        LogMsg(tr("Megatorrent: channel %1 has sequence %2 (from %3)")
            .arg(channel).arg(event.sequence).arg(QString::fromStdString(event.source)));
        processManifest(channel, QByteArray::fromStdString(event.json));
        emit channelUpdated(channel, event.sequence);
        break;
    case MT_EVENT_REFUSED:
        LogMsg(tr("Megatorrent: refused a manifest of channel %1 from %2 (reason %3)")
            .arg(channel, QString::fromStdString(event.source)).arg(static_cast<int>(event.status)), Log::WARNING);
        break;
    case MT_EVENT_EQUIVOCATION:
        LogMsg(tr("Megatorrent: channel %1 signed two different manifests with sequence %2 (from %3)")
            .arg(channel).arg(event.sequence).arg(QString::fromStdString(event.source)), Log::CRITICAL);
        break;
    }
}

void MegatorrentService::processManifest(const QString &channel, const QByteArray &json)
{
    const auto subscriptionIter = m_subscriptions.find(channel);
    if (subscriptionIter == m_subscriptions.end())
        return;

    Subscription &subscription = subscriptionIter.value();
    bool changed = false;
    for (const auto &[collection, magnet] : manifestItems(json))
    {
        if (subscription.addedItems.contains(magnet))
            continue;

        const BitTorrent::MagnetUri magnetUri {magnet};
        if (!magnetUri.isValid())
            continue;

        // As RSS::AutoDownloader does for a matching article.
        BitTorrent::AddTorrentParams params;
        params.category = subscription.options.category;
        if (!subscription.options.savePath.isEmpty())
        {
            params.savePath = subscription.options.savePath;
            params.useAutoTMM = false;
        }
        if (subscription.options.addPaused)
            params.addPaused = true;

        if (BitTorrent::Session::instance()->addTorrent(magnetUri, params))
            LogMsg(tr("Megatorrent: added \"%1\" from channel %2").arg((magnetUri.name().isEmpty() ? magnet : magnetUri.name()), channel));
        subscription.addedItems.insert(magnet);
        changed = true;
    }
    if (changed)
        storeSubscriptions();
}

void MegatorrentService::loadSubscriptions()
{
    QFile file {(m_stateDir / Path(SUBSCRIPTIONS_FILE)).data()};
    if (file.open(QIODevice::ReadOnly))
    {
        const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
        for (auto it = root.constBegin(); it != root.constEnd(); ++it)
        {
            const QJsonObject object = it.value().toObject();
            Subscription subscription;
            subscription.options.category = object.value(KEY_CATEGORY).toString();
            subscription.options.savePath = Path(object.value(KEY_SAVE_PATH).toString());
            subscription.options.addPaused = object.value(KEY_ADD_PAUSED).toBool();
            for (const QJsonValue &magnet : asConst(object.value(KEY_ADDED_ITEMS).toArray()))
                subscription.addedItems.insert(magnet.toString());
            m_subscriptions.insert(it.key(), subscription);
        }
    }

    // The node's list of followed channels is the reference: channels followed without options get the defaults.
    QSet<QString> followed;
    for (const std::string &channel : m_node->subscriptions())
        followed.insert(QString::fromStdString(channel));
    for (const QString &channel : asConst(followed))
    {
        if (!m_subscriptions.contains(channel))
            m_subscriptions.insert(channel, {});
    }
    for (auto it = m_subscriptions.begin(); it != m_subscriptions.end();)
        it = followed.contains(it.key()) ? std::next(it) : m_subscriptions.erase(it);
}

void MegatorrentService::storeSubscriptions() const
{
    QJsonObject root;
    for (auto it = m_subscriptions.cbegin(); it != m_subscriptions.cend(); ++it)
    {
        QJsonArray addedItems;
        for (const QString &magnet : asConst(it.value().addedItems))
            addedItems.append(magnet);
        root.insert(it.key(), QJsonObject {
            {KEY_CATEGORY, it.value().options.category},
            {KEY_SAVE_PATH, it.value().options.savePath.toString()},
            {KEY_ADD_PAUSED, it.value().options.addPaused},
            {KEY_ADDED_ITEMS, addedItems}
        });
    }
    const nonstd::expected<void, QString> result = Utils::IO::saveToFile((m_stateDir / Path(SUBSCRIPTIONS_FILE))
        , QJsonDocument(root).toJson());
    if (!result)
        LogMsg(tr("Megatorrent: could not save the subscriptions. Reason: %1").arg(result.error()), Log::WARNING);
}
