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

#include "megatorrentcontroller.h"

#include <megatorrent.h>

#include <QJsonArray>
#include <QJsonObject>

#include "base/global.h"
#include "base/megatorrent/megatorrentservice.h"
#include "base/path.h"
#include "base/utils/string.h"
#include "apierror.h"

namespace
{
    const QString KEY_CHANNEL = u"channel"_qs;
    const QString KEY_OUTCOME = u"outcome"_qs;
    const QString KEY_STATE_DIR = u"stateDir"_qs;
    const QString KEY_VERSION = u"version"_qs;

    MegatorrentService *service()
    {
        MegatorrentService *instance = MegatorrentService::instance();
        if (!instance)
            throw APIError(APIErrorType::Conflict, MegatorrentController::tr("Megatorrent is not running yet"));
        return instance;
    }
}

// POST channel, category (optional), savePath (optional), addPaused (optional): follow a channel.
void MegatorrentController::subscribeAction()
{
    requireParams({KEY_CHANNEL});

    MegatorrentService::SubscriptionOptions options;
    options.category = params()[u"category"_qs].trimmed();
    options.savePath = Path(params()[u"savePath"_qs].trimmed());
    options.addPaused = Utils::String::parseBool(params()[u"addPaused"_qs]).value_or(false);

    QString error;
    const QString channel = service()->subscribe(params()[KEY_CHANNEL], options, &error);
    if (channel.isEmpty())
        throw APIError(APIErrorType::BadParams, error);

    setResult(QJsonObject {{KEY_CHANNEL, channel}});
}

// POST channel: stop following a channel (torrents already added stay).
void MegatorrentController::unsubscribeAction()
{
    requireParams({KEY_CHANNEL});

    QString error;
    if (!service()->unsubscribe(params()[KEY_CHANNEL], &error))
        throw APIError(APIErrorType::BadParams, error);
}

// The followed channels: [{channel, category, savePath, addPaused, sequence, timestamp, title, itemsCount}].
void MegatorrentController::subscriptionsAction()
{
    setResult(service()->subscriptionsToJson());
}

// channel: the items of its newest manifest: [{collection, magnet, name, hash, inSession}].
void MegatorrentController::itemsAction()
{
    requireParams({KEY_CHANNEL});

    setResult(service()->itemsToJson(params()[KEY_CHANNEL]));
}

// POST channel: resolve it on the DHT now (in the background).
void MegatorrentController::refreshAction()
{
    requireParams({KEY_CHANNEL});

    QString error;
    if (!service()->refresh(params()[KEY_CHANNEL], &error))
        throw APIError(APIErrorType::Conflict, error);
}

// POST manifest: a signed manifest from elsewhere (a file, a feed), judged as any other: {outcome}.
void MegatorrentController::offerAction()
{
    requireParams({u"manifest"_qs});

    QString error;
    const QString outcome = service()->offerManifest(params()[u"manifest"_qs].toUtf8(), &error);
    if (outcome.isEmpty())
        throw APIError(APIErrorType::BadParams, error);

    setResult(QJsonObject {{KEY_OUTCOME, outcome}});
}

// The library's version and the node's state folder.
void MegatorrentController::infoAction()
{
    setResult(QJsonObject {
        {KEY_VERSION, QString::fromLatin1(mt_version())},
        {KEY_STATE_DIR, service()->stateDir().toString()}
    });
}
