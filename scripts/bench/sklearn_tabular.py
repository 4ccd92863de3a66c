#!/usr/bin/python3
"""sklearn side of scripts/bench/tabular_vs_sklearn: the same features, split and forest as sparkfast's configs.

Runs with Debian's python3-pandas + python3-sklearn (PyPI is not reachable here). Prints one JSON object with the
validation metrics, the naive baseline, and wall time / peak RSS for the prep and training phases.
"""
import argparse
import json
import math
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def add_datepart(df, field, time_parts=True):
    """fastai's add_datepart (prefix = field name minus a trailing date/Date; Monday=0; ISO week)."""
    import re
    d = df[field]
    prefix = re.sub('[Dd]ate$', '', field)
    iso = d.dt.isocalendar()
    df[prefix + 'Year'] = d.dt.year
    df[prefix + 'Month'] = d.dt.month
    df[prefix + 'Week'] = iso.week.astype('int64')
    df[prefix + 'Day'] = d.dt.day
    df[prefix + 'Dayofweek'] = d.dt.dayofweek
    df[prefix + 'Dayofyear'] = d.dt.dayofyear
    for n in ['Is_month_end', 'Is_month_start', 'Is_quarter_end', 'Is_quarter_start', 'Is_year_end', 'Is_year_start']:
        df[prefix + n] = getattr(d.dt, n.lower())
    if time_parts:
        df[prefix + 'Hour'] = d.dt.hour
        df[prefix + 'Minute'] = d.dt.minute
        df[prefix + 'Second'] = d.dt.second
    df[prefix + 'Elapsed'] = (d - pd.Timestamp('1970-01-01')) // pd.Timedelta('1s')
    return df.drop(columns=[field])


def categorify(train, valid, cols):
    """fastai Categorify: sorted vocab from train, #na# = 0, unseen -> 0."""
    for c in cols:
        vocab = sorted(train[c].dropna().unique())
        mapping = {v: i + 1 for i, v in enumerate(vocab)}
        train[c] = train[c].map(mapping).fillna(0).astype('int64')
        valid[c] = valid[c].map(mapping).fillna(0).astype('int64')


def fitted_group_mean(train, valid, keys, value, name):
    stats = train.groupby(keys)[value].mean().rename(name).reset_index()
    return train.merge(stats, on=keys, how='left'), valid.merge(stats, on=keys, how='left')


def flights(args):
    t0 = time.time()
    df = pd.read_csv(args.input, parse_dates=['date'])
    if args.task == 'classification':
        df['delayed'] = (df['delay'] > 15).astype('int64')
        target = 'delayed'
    else:
        target = 'delay'
    # Time split: the last `valid_fraction` of dates go to validation, with sparkfast's cutoff (Splits.timeSplit):
    # percentile_disc(1 - valid_fraction), the smallest date whose cumulative share of the rows is >= 1 - fraction.
    # (pandas' quantile(q, interpolation='lower') takes the sorted index floor(q * (n - 1)), one row earlier for
    # many n: on 1, 2, 3 with 0.2 it gives 2 where sparkfast gives 3.)
    dates = np.sort(df['date'].dropna().values)
    cutoff = dates[max(0, int(np.ceil((1.0 - args.valid_fraction) * len(dates))) - 1)]
    df['hour'] = df['date'].dt.hour
    df['day'] = df['date'].dt.floor('D')
    train = df[df['date'] < cutoff].copy()
    valid = df[df['date'] >= cutoff].copy()
    # flights per origin per day: computed within each split (pandas groupby().transform semantics).
    for part in (train, valid):
        part['origin_day_flights'] = part.groupby(['origin', 'day'])['delay'].transform('count')
    # target statistics learned on train only, joined onto both splits.
    train, valid = fitted_group_mean(train, valid, ['origin'], 'delay', 'origin_delay_mean')
    train, valid = fitted_group_mean(train, valid, ['destination'], 'delay', 'destination_delay_mean')
    train, valid = fitted_group_mean(train, valid, ['origin', 'hour'], 'delay', 'origin_hour_delay_mean')
    # A validation group unseen in training has no statistic: null in sparkfast, a NaN feature that MLlib's trees
    # send right at every split on it (NaN <= threshold is false). The largest float32 goes right in sklearn's trees
    # too; the fillna(-1) below sent it left (flights-3m: 315 validation rows with an unseen origin and hour).
    stats = ['origin_delay_mean', 'destination_delay_mean', 'origin_hour_delay_mean']
    valid[stats] = valid[stats].fillna(float(np.finfo(np.float32).max))
    train = add_datepart(train.drop(columns=['day', 'hour']), 'date')
    valid = add_datepart(valid.drop(columns=['day', 'hour']), 'date')
    categorify(train, valid, ['origin', 'destination'])
    drop = ['delay', 'delayed']
    features = [c for c in train.columns if c not in drop]
    xtr, ytr = train[features].fillna(-1), train[target]
    xva, yva = valid[features].fillna(-1), valid[target]
    prep_s = time.time() - t0
    prep_rss = peak_rss_mb()
    return fit_and_score(args, xtr, ytr, xva, yva, prep_s, prep_rss, 40, 5, 200_000)


def titanic(args):
    """The course features, mirroring conf/tabular-titanic.conf stage by stage, on sparkfast's own split."""
    t0 = time.time()
    df = pd.read_csv(args.input)
    title = df['name'].str.extract(r',\s*([^.]+)\.', expand=False)
    df['Title'] = title.where(title.isin(['Mr', 'Miss', 'Mrs', 'Master']))
    deck = df['cabin'].str[0]
    df['Deck'] = deck.map({'A': 'ABC', 'B': 'ABC', 'C': 'ABC', 'D': 'DE', 'E': 'DE', 'F': 'FG', 'G': 'FG'})
    df['Family'] = df['sibsp'] + df['parch']
    df['LogFare'] = np.log1p(df['fare'])
    df['Alone'] = (df['Family'] == 0).astype('int64')
    valid_ids = set(pd.read_csv(args.valid_ids)['row_id']) if args.valid_ids else None
    if valid_ids is None:
        is_valid = np.random.RandomState(args.seed).rand(len(df)) < 0.25
    else:
        is_valid = df['row_id'].isin(valid_ids).values
    train, valid = df[~is_valid].copy(), df[is_valid].copy()
    # GroupStats fitted: passengers per ticket counted on train; unseen tickets count 0
    freq = train.groupby('ticket')['ticket'].count()
    train['TicketFreq'] = train['ticket'].map(freq).fillna(0)
    valid['TicketFreq'] = valid['ticket'].map(freq).fillna(0)
    categorify(train, valid, ['sex', 'embarked', 'Title', 'Deck'])
    # FillMissing: train medians; _na indicator for columns with missing values in train
    for c in ['age', 'fare', 'LogFare']:
        if train[c].isna().any():
            train[c + '_na'] = train[c].isna()
            valid[c + '_na'] = valid[c].isna()
        med = train[c].median()
        train[c] = train[c].fillna(med)
        valid[c] = valid[c].fillna(med)
    features = ['pclass', 'sex', 'age', 'age_na', 'sibsp', 'parch', 'embarked', 'Title', 'Deck', 'TicketFreq',
                'Family', 'LogFare', 'Alone']
    prep_s = time.time() - t0
    # conf/tabular-titanic.conf asks MLlib for featureSubsetStrategy = sqrt, which MLlib rounds up (4 of these 13
    # features per split) where sklearn's 'sqrt' rounds down (3): give sklearn the count sparkfast's forest uses
    max_features = math.ceil(math.sqrt(len(features)))
    return fit_and_score(args, train[features], train['survived'], valid[features], valid['survived'],
                         prep_s, peak_rss_mb(), 100, 5, None, max_features)


def fit_and_score(args, xtr, ytr, xva, yva, prep_s, prep_rss, trees, leaf, max_samples, max_features=0.5):
    t1 = time.time()
    common = dict(n_estimators=trees, min_samples_leaf=leaf, max_features=max_features, n_jobs=-1,
                  random_state=args.seed)
    if max_samples is not None:
        common.update(max_samples=min(max_samples, len(xtr)))
    out = {'rows': {'train': int(len(xtr)), 'valid': int(len(xva))}, 'features': list(xtr.columns)}
    if args.task == 'regression':
        model = RandomForestRegressor(**common).fit(xtr, ytr)
        pred = model.predict(xva)
        base = np.full(len(yva), ytr.mean())
        out['valid'] = regression_metrics(yva, pred)
        out['baseline'] = regression_metrics(yva, base)
    else:
        model = RandomForestClassifier(**common).fit(xtr, ytr)
        proba = model.predict_proba(xva)[:, 1]
        # sparkfast's baseline: the training majority class as prediction, the training class-1 share as
        # probability (so log_loss is the prior's, not that of hard 0/1 probabilities clipped to 1e-15)
        p1 = float(ytr.mean())
        out['valid'] = classification_metrics(yva, proba)
        out['baseline'] = classification_metrics(yva, np.full(len(yva), p1),
                                                 np.full(len(yva), 1 if p1 > 0.5 else 0))
    out['time_s'] = {'prep': prep_s, 'train': time.time() - t1}
    if args.out:
        t2 = time.time()
        write_outputs(args, model, xva, yva, proba if args.task == 'classification' else pred)
        out['time_s']['write'] = time.time() - t2
    out['peak_rss_mb'] = {'prep': prep_rss, 'total': peak_rss_mb()}
    return out


def write_outputs(args, model, xva, yva, pred):
    """What sparkfast's job writes too: the model, the validation predictions, feature importance, and partial
    dependence (mean prediction over a 1,000-row sample at 20 quantiles of the feature; CSV, where sparkfast draws
    a PNG)."""
    import os
    import pickle
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'model.pkl'), 'wb') as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    pd.DataFrame({'actual': yva.values, 'prediction': pred}).to_csv(os.path.join(args.out, 'predictions.csv'),
                                                                   index=False)
    pd.Series(model.feature_importances_, index=xva.columns).sort_values(ascending=False).to_csv(
        os.path.join(args.out, 'importance.csv'), header=['importance'])
    sample = xva.sample(n=min(1000, len(xva)), random_state=args.seed)
    for feature in args.pd or []:
        grid = np.unique(sample[feature].quantile(np.linspace(0.02, 0.98, 20), interpolation='lower').values)
        means = []
        for v in grid:
            x = sample.copy()
            x[feature] = v
            means.append(float(np.mean(model.predict_proba(x)[:, 1] if hasattr(model, 'predict_proba')
                                       else model.predict(x))))
        pd.DataFrame({feature: grid, 'mean_prediction': means}).to_csv(
            os.path.join(args.out, 'pd_' + feature + '.csv'), index=False)


def regression_metrics(y, p):
    return {'rmse': float(np.sqrt(mean_squared_error(y, p))), 'mae': float(mean_absolute_error(y, p)),
            'r2': float(r2_score(y, p))}


def classification_metrics(y, proba, pred=None):
    if pred is None:
        # class 1 only above 0.5, as sparkfast's (MLlib's argmax of the votes) and sklearn's own predict: a tie is 0
        pred = (proba > 0.5).astype('int64')
    acc = float((pred == y.values).mean())
    auc = float(roc_auc_score(y, proba)) if len(np.unique(proba)) > 1 else 0.5
    return {'accuracy': acc, 'error_rate': 1.0 - acc, 'auc': auc,
            'log_loss': float(log_loss(y, np.clip(proba, 1e-15, 1 - 1e-15), labels=[0, 1]))}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('dataset', choices=['flights', 'titanic'])
    ap.add_argument('input')
    ap.add_argument('--task', choices=['regression', 'classification'], default='regression')
    ap.add_argument('--valid-fraction', type=float, default=0.2)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--valid-ids', help='CSV with a row_id column: the validation rows sparkfast used')
    ap.add_argument('--out', help='write the model, predictions, importance and partial dependence here')
    ap.add_argument('--pd', nargs='*', help='features for partial dependence (with --out)')
    args = ap.parse_args()
    result = flights(args) if args.dataset == 'flights' else titanic(args)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == '__main__':
    main()
