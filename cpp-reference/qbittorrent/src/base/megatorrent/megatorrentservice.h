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

#pragma once

#include <memory>

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QString>

#include "base/path.h"

namespace Megatorrent
{
    class Node;
    struct Event;
}

// Megatorrent channels in qBittorrent: a node (libmegatorrent) attached to the BitTorrent session in
// host mode, so the session's own DHT resolves the followed channels. Every new magnet of a followed
// channel is added to the session with that subscription's category and save path, as RSS
// auto-download rules do. The node keeps its state (followed channels, manifests) in
// <profile data>/megatorrent; the options of each subscription are kept beside it in subscriptions.json.
class MegatorrentService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MegatorrentService)

public:
    /// What the user chose for one followed channel.
    struct SubscriptionOptions
    {
        QString category;
        Path savePath;  ///< empty: the session's default (or the category's, with automatic torrent management)
        bool addPaused = false;
    };

    /// Creates the service and attaches it to BitTorrent::Session::instance(); call once the session is restored.
    static void initInstance();
    static void freeInstance();
    static MegatorrentService *instance();

    /// Follows `channel` (64 hex digits or magnet:?xs=urn:btpk:...) with `options`; following it already updates the options.
    /// Returns the channel id (64 hex digits), or an empty string with `error` set.
    QString subscribe(const QString &channel, const SubscriptionOptions &options, QString *error = nullptr);
    /// Stops following `channel`. Torrents already added stay in the session.
    bool unsubscribe(const QString &channel, QString *error = nullptr);
    /// The followed channels with their options and the newest manifest's sequence and item count.
    QJsonArray subscriptionsToJson() const;
    /// The items of a channel's newest manifest: collection, magnet, name, info hash and whether it is in the session.
    QJsonArray itemsToJson(const QString &channel) const;
    /// Hands the node a signed manifest from a source of the user's (a file, a feed); returns the outcome's name.
    QString offerManifest(const QByteArray &json, QString *error = nullptr);
    /// Resolves `channel` on the DHT now, on a worker thread; the result comes as usual through the node's events.
    bool refresh(const QString &channel, QString *error = nullptr);
    /// The node's state folder.
    Path stateDir() const;

signals:
    /// A followed channel has a new manifest.
    void channelUpdated(const QString &channel, quint64 sequence);

private:
    MegatorrentService();
    ~MegatorrentService() override;

    void attachToSession();
    void detachFromSession();
    void handleEvent(const Megatorrent::Event &event);
    void processManifest(const QString &channel, const QByteArray &json);
    QString channelID(const QString &channel, QString *error) const;
    void loadSubscriptions();
    void storeSubscriptions() const;

    struct Subscription
    {
        SubscriptionOptions options;
        QSet<QString> addedItems;  ///< magnets already added to the session (never added twice)
    };

    static MegatorrentService *m_instance;

    Path m_stateDir;
    std::unique_ptr<Megatorrent::Node> m_node;
    bool m_attached = false;
    QHash<QString, Subscription> m_subscriptions;
};
