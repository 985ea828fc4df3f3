//! Validation of an image request before anything is sent: each rule names the field and says
//! what is wrong, so the caller can fix it without a round trip (and without spending an IP's
//! submit budget or raising its suspicion score on the server).

use crate::error::Error;
use crate::ids::JobId;
use crate::models::{
    image_len, ImageGenerateAsyncRequest, ImageGenerationParams, PostProcessor, SourceProcessing,
    Workflow,
};
use crate::num::text;

type Check = Result<(), Error>;

fn fail(field: &str, rule: impl Into<String>) -> Check {
    Err(Error::invalid(field, rule))
}

fn range_f(field: &str, v: Option<f64>, lo: f64, hi: f64) -> Check {
    match v {
        Some(x) if !(x.is_finite() && (lo..=hi).contains(&x)) => fail(
            field,
            format!(
                "must be between {} and {}, got {}",
                text(lo),
                text(hi),
                text(x)
            ),
        ),
        _ => Ok(()),
    }
}

fn range_u(field: &str, v: Option<u32>, lo: u32, hi: u32) -> Check {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => {
            fail(field, format!("must be between {lo} and {hi}, got {x}"))
        }
        _ => Ok(()),
    }
}

fn len_between(field: &str, s: &str, lo: usize, hi: usize) -> Check {
    let n = s.chars().count();
    if n < lo || n > hi {
        return fail(field, format!("must have {lo} to {hi} characters, got {n}"));
    }
    Ok(())
}

fn side(field: &str, v: Option<u32>) -> Check {
    match v {
        Some(x) if !(64..=3072).contains(&x) || x % 64 != 0 => fail(
            field,
            format!("must be a multiple of 64 between 64 and 3072, got {x}"),
        ),
        _ => Ok(()),
    }
}

/// Checks an image request (with or without the SDK defaults applied).
pub fn validate_request(r: &ImageGenerateAsyncRequest) -> Check {
    if r.prompt.trim().is_empty() {
        return fail("prompt", "must not be empty");
    }
    let words = r.prompt.split_whitespace().count();
    if words > 7500 {
        return fail(
            "prompt",
            format!("must have at most 7500 words, got {words}"),
        );
    }
    if r.nsfw == Some(true) && r.censor_nsfw == Some(true) {
        return fail(
            "censor_nsfw",
            "cannot be true together with nsfw: true (censoring applies to SFW requests only)",
        );
    }
    if let Some(models) = &r.models {
        for (i, m) in models.iter().enumerate() {
            let field = format!("models[{i}]");
            if m.is_empty() {
                return fail(&field, "must not be empty");
            }
            if PostProcessor::from(m.as_str()).is_known() {
                return fail(
                    &field,
                    format!(
                        "\"{m}\" is a post-processor, not a model: put it in params.post_processing"
                    ),
                );
            }
        }
    }
    if let Some(workers) = &r.workers {
        if workers.len() > 5 {
            return fail(
                "workers",
                format!("must list at most 5 workers, got {}", workers.len()),
            );
        }
        for (i, w) in workers.iter().enumerate() {
            if JobId::parse(w).is_err() {
                return fail(&format!("workers[{i}]"), "must be a worker id (a UUID)");
            }
        }
    }
    if let Some(url) = &r.webhook {
        len_between("webhook", url, 10, 1024)?;
        if !url.starts_with("https://") {
            return fail("webhook", "must start with https://");
        }
    }
    if let Some(style) = &r.style {
        len_between("style", style, 3, 1024)?;
    }
    let has_source = r.source_image.as_ref().is_some_and(|s| image_len(s) > 0);
    if r.source_image.is_some() && !has_source {
        return fail("source_image", "must not be empty");
    }
    if let Some(sp) = &r.source_processing {
        if sp.as_str() == "txt2img" {
            return fail(
                "source_processing",
                "\"txt2img\" is not a valid value: for text to image, leave out source_image and source_processing",
            );
        }
    }
    if r.source_mask.is_some() && !has_source {
        return fail("source_mask", "needs source_image");
    }
    if let Some(extra) = &r.extra_source_images {
        if r.source_processing != Some(SourceProcessing::Remix) {
            return fail("extra_source_images", "needs source_processing: \"remix\"");
        }
        if extra.len() > 5 {
            return fail(
                "extra_source_images",
                format!("must have at most 5 images, got {}", extra.len()),
            );
        }
        for (i, e) in extra.iter().enumerate() {
            if image_len(&e.image) == 0 {
                return fail(
                    &format!("extra_source_images[{i}].image"),
                    "must not be empty",
                );
            }
            range_f(
                &format!("extra_source_images[{i}].strength"),
                e.strength,
                0.0,
                100.0,
            )?;
        }
    }
    if let Some(p) = &r.params {
        validate_params(p, has_source, r.source_processing.as_ref())?;
    }
    Ok(())
}

fn validate_params(
    p: &ImageGenerationParams,
    has_source: bool,
    sp: Option<&SourceProcessing>,
) -> Check {
    side("params.width", p.width)?;
    side("params.height", p.height)?;
    range_u("params.steps", p.steps, 1, 500)?;
    range_u("params.n", p.n, 1, 20)?;
    range_f("params.cfg_scale", p.cfg_scale, 0.0, 100.0)?;
    if let Some(c) = p.cfg_scale {
        if ((c * 100.0).round() - c * 100.0).abs() > 1e-6 {
            return fail(
                "params.cfg_scale",
                format!("must have at most two decimals, got {}", text(c)),
            );
        }
    }
    range_f("params.denoising_strength", p.denoising_strength, 0.01, 1.0)?;
    range_f(
        "params.hires_fix_denoising_strength",
        p.hires_fix_denoising_strength,
        0.01,
        1.0,
    )?;
    range_u("params.clip_skip", p.clip_skip, 1, 12)?;
    range_f("params.facefixer_strength", p.facefixer_strength, 0.0, 1.0)?;
    range_u("params.seed_variation", p.seed_variation, 1, 1000)?;
    if let Some(pp) = &p.post_processing {
        for (i, a) in pp.iter().enumerate() {
            if pp.iter().take(i).any(|x| x == a) {
                return fail(
                    &format!("params.post_processing[{i}]"),
                    format!("{a} is listed twice"),
                );
            }
        }
        let upscalers: Vec<&PostProcessor> = pp.iter().filter(|x| x.is_upscaler()).collect();
        if upscalers.len() > 1 {
            return fail(
                "params.post_processing",
                format!("may include at most one upscaler, got {}", upscalers.len()),
            );
        }
    }
    if p.control_type.is_some() {
        if !has_source {
            return fail("params.control_type", "needs source_image");
        }
        if sp == Some(&SourceProcessing::Inpainting) {
            return fail("params.control_type", "cannot be used with inpainting");
        }
    }
    if p.image_is_control == Some(true) && p.return_control_map == Some(true) {
        return fail(
            "params.return_control_map",
            "cannot be true together with image_is_control",
        );
    }
    if let Some(loras) = &p.loras {
        if loras.len() > 5 {
            return fail(
                "params.loras",
                format!("must have at most 5 LoRAs, got {}", loras.len()),
            );
        }
        for (i, l) in loras.iter().enumerate() {
            let f = |k: &str| format!("params.loras[{i}].{k}");
            len_between(&f("name"), &l.name, 1, 255)?;
            range_f(&f("model"), l.model, -5.0, 5.0)?;
            range_f(&f("clip"), l.clip, -5.0, 5.0)?;
            if let Some(t) = &l.inject_trigger {
                len_between(&f("inject_trigger"), t, 1, 30)?;
            }
            if l.is_version == Some(true) && !l.name.bytes().all(|b| b.is_ascii_digit()) {
                return fail(
                    &f("name"),
                    "must be a version id (digits) when is_version is true",
                );
            }
        }
    }
    if let Some(tis) = &p.tis {
        if tis.len() > 20 {
            return fail(
                "params.tis",
                format!("must have at most 20 textual inversions, got {}", tis.len()),
            );
        }
        for (i, t) in tis.iter().enumerate() {
            len_between(&format!("params.tis[{i}].name"), &t.name, 1, 255)?;
            range_f(&format!("params.tis[{i}].strength"), t.strength, -5.0, 5.0)?;
        }
    }
    match (&p.workflow, &p.extra_texts) {
        (Some(Workflow::QrCode), None) => {
            return fail("params.extra_texts", "is required by workflow \"qr_code\"");
        }
        (w, Some(_)) if w.as_ref() != Some(&Workflow::QrCode) => {
            return fail("params.extra_texts", "needs workflow: \"qr_code\"");
        }
        _ => {}
    }
    if let Some(texts) = &p.extra_texts {
        for (i, t) in texts.iter().enumerate() {
            if t.text.is_empty() {
                return fail(
                    &format!("params.extra_texts[{i}].text"),
                    "must not be empty",
                );
            }
            if t.reference.chars().count() < 3 {
                return fail(
                    &format!("params.extra_texts[{i}].reference"),
                    "must have at least 3 characters",
                );
            }
        }
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::models::{ExtraText, Lora, SourceProcessing};

    fn req(f: impl FnOnce(&mut ImageGenerateAsyncRequest)) -> ImageGenerateAsyncRequest {
        let mut r = ImageGenerateAsyncRequest::new("a lighthouse at dusk").with_sdk_defaults();
        f(&mut r);
        r
    }

    fn params(r: &mut ImageGenerateAsyncRequest) -> &mut ImageGenerationParams {
        r.params.get_or_insert_with(Default::default)
    }

    fn field_of(r: &ImageGenerateAsyncRequest) -> String {
        match validate_request(r) {
            Err(Error::InvalidArgument { argument, .. }) => argument,
            other => panic!("expected an invalid argument, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_complete() {
        let r = req(|_| {});
        validate_request(&r).unwrap();
        let p = r.params.as_ref().unwrap();
        assert_eq!(
            (p.width, p.height, p.n, p.cfg_scale, p.karras),
            (Some(512), Some(512), Some(1), Some(7.5), Some(true))
        );
        assert_eq!(
            (r.nsfw, r.censor_nsfw, r.validated_backends),
            (Some(false), Some(true), Some(true))
        );
        assert_eq!(r.models.as_deref(), Some(&[][..]));
        // nsfw: true flips the censor default.
        let r = ImageGenerateAsyncRequest {
            nsfw: Some(true),
            ..ImageGenerateAsyncRequest::new("x")
        }
        .with_sdk_defaults();
        assert_eq!(r.censor_nsfw, Some(false));
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases: Vec<(&str, ImageGenerateAsyncRequest)> = vec![
            ("prompt", req(|r| r.prompt = "   ".into())),
            ("params.width", req(|r| params(r).width = Some(500))),
            ("params.width", req(|r| params(r).width = Some(3136))),
            ("params.height", req(|r| params(r).height = Some(0))),
            ("params.steps", req(|r| params(r).steps = Some(0))),
            ("params.steps", req(|r| params(r).steps = Some(501))),
            ("params.n", req(|r| params(r).n = Some(21))),
            (
                "params.cfg_scale",
                req(|r| params(r).cfg_scale = Some(7.555)),
            ),
            (
                "params.cfg_scale",
                req(|r| params(r).cfg_scale = Some(f64::NAN)),
            ),
            (
                "params.cfg_scale",
                req(|r| params(r).cfg_scale = Some(101.0)),
            ),
            (
                "params.denoising_strength",
                req(|r| params(r).denoising_strength = Some(0.0)),
            ),
            ("params.clip_skip", req(|r| params(r).clip_skip = Some(13))),
            (
                "params.facefixer_strength",
                req(|r| params(r).facefixer_strength = Some(1.5)),
            ),
            (
                "params.seed_variation",
                req(|r| params(r).seed_variation = Some(0)),
            ),
            (
                "params.post_processing",
                req(|r| {
                    params(r).post_processing =
                        Some(vec!["RealESRGAN_x4plus".into(), "4x_AnimeSharp".into()])
                }),
            ),
            (
                "params.post_processing[1]",
                req(|r| params(r).post_processing = Some(vec!["GFPGAN".into(), "GFPGAN".into()])),
            ),
            (
                "params.control_type",
                req(|r| params(r).control_type = Some("canny".into())),
            ),
            (
                "params.return_control_map",
                req(|r| {
                    params(r).image_is_control = Some(true);
                    params(r).return_control_map = Some(true);
                }),
            ),
            (
                "params.loras",
                req(|r| {
                    params(r).loras = Some(vec![
                        Lora {
                            name: "x".into(),
                            model: None,
                            clip: None,
                            inject_trigger: None,
                            is_version: None
                        };
                        6
                    ])
                }),
            ),
            (
                "params.loras[0].model",
                req(|r| {
                    params(r).loras = Some(vec![Lora {
                        name: "x".into(),
                        model: Some(6.0),
                        clip: None,
                        inject_trigger: None,
                        is_version: None,
                    }])
                }),
            ),
            (
                "params.loras[0].name",
                req(|r| {
                    params(r).loras = Some(vec![Lora {
                        name: "abc".into(),
                        model: None,
                        clip: None,
                        inject_trigger: None,
                        is_version: Some(true),
                    }])
                }),
            ),
            (
                "params.extra_texts",
                req(|r| params(r).workflow = Some("qr_code".into())),
            ),
            (
                "params.extra_texts",
                req(|r| {
                    params(r).extra_texts = Some(vec![ExtraText {
                        text: "t".into(),
                        reference: "qr_code".into(),
                    }])
                }),
            ),
            (
                "source_processing",
                req(|r| r.source_processing = Some("txt2img".into())),
            ),
            ("source_mask", req(|r| r.source_mask = Some("UklGR".into()))),
            (
                "censor_nsfw",
                req(|r| {
                    r.nsfw = Some(true);
                    r.censor_nsfw = Some(true);
                }),
            ),
            (
                "models[0]",
                req(|r| r.models = Some(vec!["RealESRGAN_x4plus".into()])),
            ),
            (
                "workers[0]",
                req(|r| r.workers = Some(vec!["not-a-uuid".into()])),
            ),
            (
                "webhook",
                req(|r| r.webhook = Some("http://example.org/hook".into())),
            ),
            ("style", req(|r| r.style = Some("ab".into()))),
            (
                "extra_source_images",
                req(|r| {
                    r.source_image = Some("UklGR".into());
                    r.extra_source_images = Some(vec![]);
                }),
            ),
        ];
        for (field, r) in cases {
            assert_eq!(field_of(&r), field, "{r:?}");
        }
    }

    #[test]
    fn valid_combinations_pass() {
        let r = req(|r| {
            r.source_image = Some("UklGR".into());
            r.source_processing = Some(SourceProcessing::Inpainting);
            r.source_mask = Some("UklGR".into());
            let p = params(r);
            p.width = Some(3072);
            p.height = Some(64);
            p.cfg_scale = Some(7.25);
            p.post_processing = Some(vec!["GFPGAN".into(), "RealESRGAN_x2plus".into()]);
            p.workflow = Some(Workflow::QrCode);
            p.extra_texts = Some(vec![ExtraText {
                text: "hello".into(),
                reference: "qr_code".into(),
            }]);
            p.sampler_name = Some("a_sampler_from_the_future".into());
        });
        validate_request(&r).unwrap();
    }
}
